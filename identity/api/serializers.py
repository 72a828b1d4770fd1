from rest_framework import serializers

from common.masking import mask_mobile
from identity.oauth.subjects import pairwise_subject


class MeOutputSerializer(serializers.Serializer):
    sub = serializers.SerializerMethodField(
        help_text="The partner's own identifier for this resident: the same as the ID token's pairwise sub."
    )
    display_name = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField(help_text="Masked: 138****8000.")

    def get_sub(self, user) -> str:
        application = self.context.get("application")
        if application is None:  # the resident's own session
            return str(user.pk)
        return pairwise_subject(user=user, application=application)

    def get_display_name(self, user) -> str:
        return user.display_name or user.get_username()

    def get_mobile(self, user) -> str:
        return mask_mobile(user.mobile) if user.mobile else ""
