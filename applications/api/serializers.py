from rest_framework import serializers

from ..models import Application, Transition


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transition
        fields = ("from_status", "to_status", "role", "comment", "created_at")


class ApplicationSerializer(serializers.ModelSerializer):
    service_code = serializers.CharField(source="service_item.code", default=None)
    service_name = serializers.CharField(source="service_item.name", default=None)
    bundle_code = serializers.CharField(source="bundle.code", default=None)
    department = serializers.CharField(source="department.name", default=None)

    class Meta:
        model = Application
        fields = (
            "case_number",
            "status",
            "service_code",
            "service_name",
            "bundle_code",
            "department",
            "submitted_at",
            "promised_deadline",
            "statutory_deadline",
            "deadline_provisional",
            "concluded_at",
        )


class ApplicationDetailSerializer(ApplicationSerializer):
    timeline = TransitionSerializer(source="transitions", many=True)
    sub_cases = ApplicationSerializer(many=True)

    class Meta(ApplicationSerializer.Meta):
        fields = (*ApplicationSerializer.Meta.fields, "form_data", "timeline", "sub_cases")


class DraftCreateInput(serializers.Serializer):
    service_code = serializers.CharField(max_length=64, required=False)
    bundle_code = serializers.CharField(max_length=40, required=False)
    data = serializers.DictField(required=False, default=dict)

    def validate(self, attrs):
        if bool(attrs.get("service_code")) == bool(attrs.get("bundle_code")):
            raise serializers.ValidationError("Give exactly one of service_code and bundle_code.")
        return attrs


class DraftUpdateInput(serializers.Serializer):
    data = serializers.DictField()


class MaterialInput(serializers.Serializer):
    requirement = serializers.IntegerField(help_text="The id of the required material (see `requirements`).")
    file = serializers.FileField()


class RequirementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mandatory = serializers.BooleanField()
    certificate_type_code = serializers.CharField()


class DraftSerializer(serializers.ModelSerializer):
    form_schema = serializers.SerializerMethodField()
    requirements = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = (
            "id",
            "status",
            "case_number",
            "form_data",
            "field_sources",
            "form_schema",
            "requirements",
            "materials",
        )

    def get_form_schema(self, application) -> dict:
        from ..services import application_schema

        return application_schema(application)

    def get_requirements(self, application) -> list:
        from ..services import application_requirements

        return RequirementSerializer(application_requirements(application), many=True).data

    def get_materials(self, application) -> list:
        return [
            {"requirement": m.requirement_id, "name": m.original_name, "size": m.size, "content_type": m.content_type}
            for m in application.materials.all()
        ]
