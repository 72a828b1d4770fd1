from django.db import models


class Row(models.Model):
    """What a list page shows: a code, a title, a department name and a date."""

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    department = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
