from rest_framework import serializers

from common.masking import mask_mobile


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField(help_text="Masked: 138****8000.")

    def get_display_name(self, user) -> str:
        return user.display_name or user.get_username()

    def get_mobile(self, user) -> str:
        return mask_mobile(user.mobile) if user.mobile else ""
