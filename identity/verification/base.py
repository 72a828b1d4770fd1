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
