"""Money as the portal keeps it: integer fen (分), never floats."""


def yuan(amount_fen: int) -> str:
    """``12000`` → ``"120.00"``: yuan with two decimals, as pages show and gateways exchange."""
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"
