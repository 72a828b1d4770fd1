import re

_AMOUNT = re.compile(r"^(0|[1-9]\d{0,9})(\.\d{1,2})?$")


def parse_yuan(value: str) -> int:
    """``"120.00"`` → ``12000`` fen; anything else raises ``ValueError`` (no floats)."""
    if not isinstance(value, str) or not _AMOUNT.match(value):
        raise ValueError(f"not an amount: {value!r}")
    whole, _, fraction = value.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])
