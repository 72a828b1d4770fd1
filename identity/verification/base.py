from dataclasses import dataclass


@dataclass(frozen=True)
class VerificationResult:
    """What a verifier says about a (name, ID number) pair.

    :param matched: True only when the authority confirms the pair.
    :param reference: the authority's transaction id, kept for audit.
    :param error: True when the verifier could not answer (then ``matched`` is False).
    """

    matched: bool
    reference: str = ""
    error: bool = False


class BaseVerifier:
    """Contract for real-name verifiers.

    Subclasses set ``verbose_name`` and ``is_sandbox`` and implement
    :meth:`verify`. A verifier never raises for a mismatch; it raises nothing
    at all for transport failures either, returning ``error=True`` so the
    caller can tell the resident to retry.
    """

    verbose_name = ""
    is_sandbox = False

    def __init__(self, identifier: str):
        self.identifier = identifier

    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        """Confirm that ``name`` and the normalised ``id_number`` belong together."""
        raise NotImplementedError


class EnterpriseOutcome:
    """What an enterprise verifier can answer (the gateway's ``result`` values)."""

    MATCH = "MATCH"
    NO_RECORD = "NO_RECORD"  # no enterprise with this USCC
    NAME_MISMATCH = "NAME_MISMATCH"  # the USCC exists under another name
    NOT_REPRESENTATIVE = "NOT_REPRESENTATIVE"  # the person is not its legal representative
    ALL = frozenset({MATCH, NO_RECORD, NAME_MISMATCH, NOT_REPRESENTATIVE})


@dataclass(frozen=True)
class EnterpriseVerificationResult:
    """What an enterprise verifier says about (USCC, name, legal representative).

    :param outcome: one of :class:`EnterpriseOutcome`; empty when ``error``.
    :param reference: the authority's transaction id, kept for audit.
    :param error: True when the verifier could not answer.
    """

    outcome: str = ""
    reference: str = ""
    error: bool = False

    @property
    def matched(self) -> bool:
        return not self.error and self.outcome == EnterpriseOutcome.MATCH


class BaseEnterpriseVerifier:
    """Contract for enterprise verifiers (企业登记核验).

    :meth:`verify` asks an authoritative source (the market regulator's
    enterprise registry, through a government data gateway) whether the USCC
    exists under ``name`` and whether the person named by
    ``representative_name`` and ``representative_id_number`` (a verified
    resident's identity) is its legal representative. It never raises for a
    negative answer or for a transport failure: it returns ``error=True``.

    ``is_sandbox`` is True for verifiers that ask no real registry; production
    settings refuse those unless the deployment says it is staging.
    """

    verbose_name = ""
    is_sandbox = False

    def __init__(self, identifier: str):
        self.identifier = identifier

    def verify(
        self, *, uscc: str, name: str, representative_name: str, representative_id_number: str
    ) -> EnterpriseVerificationResult:
        raise NotImplementedError
