"""Evaluations (好差评) with their follow-ups, and inquiries and complaints (咨询投诉)."""

from .evaluations import Evaluation, FollowUp, FollowUpCallback, FollowUpTransition
from .inquiries import Inquiry, InquiryAttachment, InquiryCategory, InquiryTransition, RoutingRule

__all__ = [
    "Evaluation",
    "FollowUp",
    "FollowUpCallback",
    "FollowUpTransition",
    "Inquiry",
    "InquiryAttachment",
    "InquiryCategory",
    "InquiryTransition",
    "RoutingRule",
]
