"""The demo partner for ``seed_demo``: the demo enterprise, approved, with the two demo OAuth2
clients (identity/oauth_demo.py) as its sandbox clients. Demo only."""

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model

from identity.demo_enterprises import DEMO_ENTERPRISE_USCC
from identity.models import Enterprise
from identity.oauth.scopes import all_scope_names
from identity.oauth_demo import DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_WEB_CLIENT_ID
from identity.personal_data import uscc_digest

from .models import ClientEnvironment, Partner, PartnerClient, PartnerEvent, PartnerEventAction, PartnerStatus


@transaction.atomic
def seed() -> list[str]:
    enterprise = Enterprise.objects.get(uscc_digest=uscc_digest(DEMO_ENTERPRISE_USCC))
    scopes = " ".join(all_scope_names())
    partner, created = Partner.objects.get_or_create(
        enterprise=enterprise,
        defaults={
            "purpose": "演示：合作方接入指南中的示例系统",
            "contact_name": "演示联系人",
            "contact_mobile": "13800138000",
            "contact_email": "partner@example.com",
            "requested_scopes": scopes,
            "approved_scopes": scopes,
            "status": PartnerStatus.APPROVED,
            "applied_by": enterprise.legal_representative,
            "decided_at": timezone.now(),
            "decision_note": "演示数据",
        },
    )
    if created:
        PartnerEvent.objects.create(partner=partner, action=PartnerEventAction.APPROVED, summary="演示数据")
    Application = get_application_model()
    for application in Application.objects.filter(client_id__in=[DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_WEB_CLIENT_ID]):
        PartnerClient.objects.get_or_create(
            application=application, defaults={"partner": partner, "environment": ClientEnvironment.SANDBOX}
        )
    return [f"合作方 / partner: {enterprise.name}（已批准；合作方空间 /partners/，以 13800138000 登录）"]
