from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from identity.validators import normalize_id_number, normalize_uscc

from ..models import Application, Transition


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transition
        fields = ("from_status", "to_status", "role", "comment", "created_at")


class ApplicationSerializer(serializers.ModelSerializer):
    service_code = serializers.CharField(source="service_item.code", default=None, allow_null=True)
    service_name = serializers.CharField(source="service_item.name", default=None, allow_null=True)
    bundle_code = serializers.CharField(source="bundle.code", default=None, allow_null=True)
    department = serializers.CharField(source="department.name", default=None, allow_null=True)
    acted_by_proxy = serializers.BooleanField(
        source="acted_on_behalf",
        help_text="Made by someone else for its principal: a family proxy (代办) or an enterprise's agent (经办人).",
    )
    applicant_name = serializers.CharField(source="applicant.real_name", help_text="Who applied (acted).")

    class Meta:
        model = Application
        fields = (
            "case_number",
            "status",
            "acted_by_proxy",
            "applicant_name",
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


def _checked(normalize, value: str) -> str:
    try:
        return normalize(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


class DraftCreateInput(serializers.Serializer):
    service_code = serializers.CharField(max_length=64, required=False)
    bundle_code = serializers.CharField(max_length=40, required=False)
    enterprise = serializers.CharField(
        max_length=18,
        required=False,
        help_text=(
            "For an enterprise service or bundle: the USCC (统一社会信用代码, GB 32100) of a verified "
            "enterprise the token's user represents or holds a mandate for that covers the service "
            "(for a bundle, every item). Required when the service is for enterprises only."
        ),
    )
    principal = serializers.CharField(
        max_length=18,
        required=False,
        help_text=(
            "For a family proxy (代办): the resident identity number (GB 11643) of the person the "
            "application is for, who granted the token's user a proxy covering the service. "
            "Omit to apply for oneself."
        ),
    )
    data = serializers.DictField(required=False, default=dict)

    def validate_enterprise(self, value: str) -> str:
        return _checked(normalize_uscc, value)

    def validate_principal(self, value: str) -> str:
        return _checked(normalize_id_number, value)

    def validate(self, attrs):
        if bool(attrs.get("service_code")) == bool(attrs.get("bundle_code")):
            raise serializers.ValidationError("Give exactly one of service_code and bundle_code.")
        if attrs.get("enterprise") and attrs.get("principal"):
            raise serializers.ValidationError("Give at most one of enterprise and principal.")
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
    for_enterprise = serializers.CharField(
        source="enterprise.uscc_masked",
        default=None,
        allow_null=True,
        help_text="The enterprise applied for (masked USCC).",
    )
    acted_for = serializers.SerializerMethodField(help_text="The person a proxy applies for (masked ID), or null.")
    form_schema = serializers.SerializerMethodField()
    requirements = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = (
            "id",
            "status",
            "case_number",
            "for_enterprise",
            "acted_for",
            "form_data",
            "field_sources",
            "form_schema",
            "requirements",
            "materials",
        )

    def get_acted_for(self, application) -> str | None:
        return application.principal_user.id_number_masked if application.acted_for_someone else None

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
