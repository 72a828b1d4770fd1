from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Row",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=40, unique=True)),
                ("title", models.CharField(max_length=200)),
                ("department", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField()),
            ],
            options={"ordering": ["code"]},
        ),
    ]
