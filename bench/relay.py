"""The outbox relay's throughput with one worker: write N notifications (each an in-app
message and an SMS through the configured sender), then deliver them in this one process
through the relay task's own code, and count what was delivered per second.

Run as ``python -m bench.relay <messages>`` inside Tongban's settings; prints one JSON line.
"""

import json
import sys
import time

import django


def main(count: int) -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from notifications.constants import OutboxStatus
    from notifications.models import OutboxMessage
    from notifications.services import notify
    from notifications.tasks import relay_outbox_messages

    residents = list(get_user_model().objects.filter(username__startswith="15").order_by("pk")[:count])
    message_ids: list[str] = []
    with transaction.atomic():
        for number, resident in enumerate(residents):
            message_ids += [
                str(message.pk)
                for message in notify(
                    user=resident,
                    template="payments.paid",
                    context={"subject": "基准测试 工本费", "amount": "120.00", "out_trade_no": f"BENCHRELAY{number}"},
                    link="/my/orders/",
                )
            ]
    started = time.monotonic()
    delivered = relay_outbox_messages(message_ids)  # in this process: one worker, no broker round trip
    seconds = time.monotonic() - started
    sent = OutboxMessage.objects.filter(pk__in=message_ids, status=OutboxStatus.DELIVERED).count()
    print(
        "BENCH_RESULT "
        + json.dumps(
            {
                "messages": len(message_ids),
                "delivered": delivered,
                "delivered_in_database": sent,
                "seconds": round(seconds, 3),
                "messages_per_second": round(delivered / seconds, 1) if seconds else None,
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
