"""Fee exemptions (减免): who a fee is waived for, and who says the payer is one of them.

The catalogue says, per fee, which categories it is waived for and on what
basis (``services.Fee.exempt_categories``/``exemption_basis``). Whether a
payer belongs to a category is never self-declared: an
:class:`ExemptionSource` attests it, e.g. the civil-affairs registry of
low-income households (低保) and people in extreme poverty (特困).

Sources are plugins of :data:`exemption_sources` (``common.plugins``),
registered from their app's ``AppConfig.ready()``; the deployment names the
ones it trusts in ``settings.PAYMENTS_EXEMPTION_SOURCES`` (ids). A source with
``is_sandbox = True`` asks no real registry; production refuses it unless the
deployment is staging (``config/settings/production.py``, "exemption-sandbox").
The fee is waived when the order is made (:func:`payments.services.fee_lines_for_version`),
and the order line keeps the attested basis.
"""

import logging
from dataclasses import dataclass

from django.conf import settings

from common.plugins import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attestation:
    """A source's word that the payer belongs to ``category``."""

    category: str  # services.constants.FeeExemptionCategory value
    source: str  # the source's id
    evidence: str  # what the source holds, e.g. "低保证 440106-2024-00123", shown on the order line


class ExemptionSource:
    """Contract: ``categories_for(user=...)`` answers the categories ``user`` belongs to.

    ``categories`` lists what the source can attest at all; it is asked only
    about those. Raise :class:`ExemptionSourceError` if the registry cannot be
    reached: the payer is then charged in full (the official can refund later),
    never exempted on a guess.
    """

    verbose_name = "exemption source"
    is_sandbox = False
    categories: frozenset[str] = frozenset()

    def __init__(self, identifier: str):
        self.identifier = identifier

    def categories_for(self, *, user) -> list[Attestation]:
        raise NotImplementedError


class ExemptionSourceError(Exception):
    """The source could not answer."""


exemption_sources = Registry[ExemptionSource]("fee exemption source")


def attestations_for(*, user, categories: set[str]) -> dict[str, Attestation]:
    """What the trusted sources attest about ``user`` among ``categories`` (category → attestation)."""
    found: dict[str, Attestation] = {}
    if not categories or user is None:
        return found
    for identifier in settings.PAYMENTS_EXEMPTION_SOURCES:
        source = exemption_sources.get(identifier)
        if source is None or not (source.categories & categories):
            continue
        try:
            attested = source.categories_for(user=user)
        except ExemptionSourceError as exc:
            logger.warning("exemption source %s unavailable: %s", identifier, exc)
            continue
        for attestation in attested:
            if attestation.category in categories:
                found.setdefault(attestation.category, attestation)
    return found
