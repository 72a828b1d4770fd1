from rest_framework import serializers

from services.models import FAQ, Department, Fee, Material, ProcessStep, ServiceItem, SpecialStep, Topic


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ("code", "name", "name_en", "region", "region_code", "phone", "address", "office_hours", "website")


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ("code", "name", "name_en")


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ("code", "name", "name_en", "description")


class ServiceItemSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer()

    class Meta:
        model = ServiceItem
        fields = ("code", "name", "name_en", "item_type", "audience", "department", "popularity")


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ("name", "form", "copies", "mandatory", "certificate_type_code", "note")


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ("name", "amount_fen", "legal_basis")


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = ("name", "description")


class SpecialStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialStep
        fields = ("name", "max_days", "description")


class FAQSerializer(serializers.ModelSerializer):
    class Meta:
        model = FAQ
        fields = ("question", "answer")


class GuideSerializer(serializers.Serializer):
    """The published version's standard elements (办事指南)."""

    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    legal_basis = serializers.CharField()
    conditions = serializers.CharField()
    statutory_limit_days = serializers.IntegerField()
    promised_limit_days = serializers.IntegerField()
    on_site_visits = serializers.IntegerField()
    online_depth = serializers.CharField()
    channels = serializers.ListField(child=serializers.CharField())
    result_type = serializers.CharField()
    result_name = serializers.CharField()
    service_location = serializers.CharField()
    contact_phone = serializers.CharField()
    complaint_phone = serializers.CharField()
    notes = serializers.CharField()
    is_free = serializers.SerializerMethodField()
    materials = MaterialSerializer(many=True)
    fees = FeeSerializer(many=True)
    steps = StepSerializer(many=True)
    special_steps = SpecialStepSerializer(many=True)
    faqs = FAQSerializer(many=True)

    def get_is_free(self, version) -> bool:
        return not version.fees.all()


class ServiceItemDetailSerializer(ServiceItemSerializer):
    aliases = serializers.CharField()
    life_events = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    bundles = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    guide = GuideSerializer(source="published_version")

    class Meta(ServiceItemSerializer.Meta):
        fields = (*ServiceItemSerializer.Meta.fields, "aliases", "life_events", "topics", "bundles", "guide")
