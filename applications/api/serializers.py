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
