import datetime
import re

# The gateways speak Beijing time (UTC+8, no daylight saving) in their timestamps,
# statements and notifications; our own times stay in UTC and show in Asia/Shanghai.
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def beijing_day(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """``day`` as the gateways count it, midnight to midnight Beijing time: ``[start, end)``."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=BEIJING)
    return start, start + datetime.timedelta(days=1)


_AMOUNT = re.compile(r"^(0|[1-9]\d{0,9})(\.\d{1,2})?$")


def parse_yuan(value: str) -> int:
    """``"120.00"`` → ``12000`` fen; anything else raises ``ValueError`` (no floats)."""
    if not isinstance(value, str) or not _AMOUNT.match(value):
        raise ValueError(f"not an amount: {value!r}")
    whole, _, fraction = value.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])
