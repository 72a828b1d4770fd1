"""Material providers (少报): a required material met by something the applicant already holds.

A service version's material may name a ``certificate_type_code`` (for example
``household_register``). Instead of uploading a scan, the applicant may pick
something they already hold of that type, such as an e-certificate in their
wallet. Who holds what is not applications' business: each *material provider*
answers it, registered in :data:`material_providers` (a
:class:`common.plugins.Registry`, see that module) from its app's
``AppConfig.ready()``::

    # certificates/material_provider.py
    from common.material_providers import Holding, MaterialProvider, material_providers

    class WalletProvider(MaterialProvider):
        verbose_name = "电子证照库"

        def holdings(self, *, user, principal, type_code):
            return [Holding(reference=str(c.uuid), name=c.type.name, issued_on=c.issued_on)
                    for c in certificates_usable_by(user=user, holder=principal, type_code=type_code)]

    # certificates/apps.py
    def ready(self):
        from .material_provider import WalletProvider
        material_providers.register("wallet", WalletProvider("wallet"))

The contract lives here, below every domain app, so that the certificates app
fills it without importing applications, and applications asks it without
naming a certificate model (the layers in shared/DESIGN.md).

How a holding becomes a material (``applications.services_resident.material_add_holding``):

1. the draft page lists, per material with a ``certificate_type_code``, every
   registered provider's :meth:`MaterialProvider.holdings`; each is offered as
   the choice ``"<provider>:<reference>"``;
2. when the applicant picks one, applications asks the provider again with
   :meth:`MaterialProvider.holding` (never trusting the posted reference), and
   stores a material with ``source = certificate``, ``certificate_reference =
   "<provider>:<reference>"`` and the holding's name, no file;
3. inside the same transaction it calls :meth:`MaterialProvider.holding_used`,
   where the provider records the use (授权用证 log); if either fails, neither
   is kept.

With no provider registered the page says the e-certificate library is not open
yet and asks for an upload.
"""

import datetime
from dataclasses import dataclass

from common.plugins import Registry

CHOICE_SEPARATOR = ":"
# certificate_reference holds "<provider>:<reference>" in 100 characters.
REFERENCE_MAX_LENGTH = 49


@dataclass(frozen=True)
class Holding:
    """Something the applicant holds that can stand in for a material.

    ``reference`` is the provider's stable identifier for it (at most
    :data:`REFERENCE_MAX_LENGTH` characters, no secret: it is shown in the page's
    form and stored on the material). ``name`` is what the applicant and the
    officials see.
    """

    reference: str
    name: str
    issued_on: datetime.date | None = None


class MaterialProvider:
    """The contract of a material provider. Subclass it and implement :meth:`holdings`.

    ``principal`` is whom the application is for: the applicant themself, or the
    enterprise (``identity.Enterprise``) they act for. A provider returns only
    what ``user`` may use for ``principal`` today (valid, not revoked, theirs or
    shared with them).
    """

    verbose_name: str = ""

    def __init__(self, identifier: str):
        self.identifier = identifier

    def holdings(self, *, user, principal, type_code: str) -> list[Holding]:
        """What ``user`` holds of ``type_code`` for ``principal``, newest first."""
        raise NotImplementedError

    def holding(self, *, user, principal, type_code: str, reference: str) -> Holding | None:
        """One holding by reference, checked again when the applicant picks it; None if not held."""
        return next(
            (h for h in self.holdings(user=user, principal=principal, type_code=type_code) if h.reference == reference),
            None,
        )

    def holding_used(self, *, user, principal, holding: Holding, case_reference: str) -> None:
        """Called in the transaction that attaches ``holding`` to an application (``case_reference``
        is the application's id or case number): record the use here. Default: nothing."""


material_providers = Registry[MaterialProvider]("material provider")


@dataclass(frozen=True)
class HeldMaterial:
    """A holding with the provider it came from, as the draft page offers it."""

    provider: str
    holding: Holding

    @property
    def choice(self) -> str:
        return f"{self.provider}{CHOICE_SEPARATOR}{self.holding.reference}"


def holdings_for(*, user, principal, type_code: str) -> list[HeldMaterial]:
    """Every registered provider's holdings of ``type_code``, by provider identifier."""
    return [
        HeldMaterial(provider=identifier, holding=holding)
        for identifier, provider in material_providers.items()
        for holding in provider.holdings(user=user, principal=principal, type_code=type_code)
        if len(holding.reference) <= REFERENCE_MAX_LENGTH
    ]


def holding_find(*, user, principal, type_code: str, choice: str) -> tuple[MaterialProvider, Holding] | None:
    """The provider and the holding for a posted ``"<provider>:<reference>"``, asked again; None if not held."""
    identifier, separator, reference = choice.partition(CHOICE_SEPARATOR)
    provider = material_providers.get(identifier) if separator else None
    if provider is None or not reference or len(reference) > REFERENCE_MAX_LENGTH:
        return None
    holding = provider.holding(user=user, principal=principal, type_code=type_code, reference=reference)
    return (provider, holding) if holding is not None else None
