"""The partner platform's models: onboarding (:mod:`.onboarding`) and webhooks (:mod:`.webhooks`)."""

from .onboarding import ClientEnvironment, Partner, PartnerClient, PartnerEvent, PartnerEventAction, PartnerStatus
from .webhooks import *  # noqa: F403

__all__ = [
    "ClientEnvironment",
    "Partner",
    "PartnerClient",
    "PartnerEvent",
    "PartnerEventAction",
    "PartnerStatus",
]
