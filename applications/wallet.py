"""The e-certificate wallet as seen from an application (少报).

This is the extension point the certificates app fills in: for a material
whose requirement names a ``certificate_type_code``, the apply page offers the
resident's matching e-certificates instead of an upload. Until the wallet
exists, :func:`certificates_for` finds none and the page says the e-certificate
library is not open yet.

Contract for the certificates app: return the certificates of ``type_code``
that ``user`` holds and may use, newest first, as :class:`WalletCertificate`.
``reference`` is the certificate's stable identifier; it is stored on the
material (``SubmittedMaterial.certificate_reference``) and must be checked
again by :func:`certificates_for` when the resident picks it.
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class WalletCertificate:
    reference: str
    name: str
    issued_on: datetime.date | None = None


# True once a certificates provider is wired in: the page then lists the
# wallet instead of announcing that the library is coming.
WALLET_AVAILABLE = False


def certificates_for(user, type_code: str) -> list[WalletCertificate]:
    """The resident's e-certificates of ``type_code``; none until the certificates app provides them."""
    return []
