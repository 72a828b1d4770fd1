"""The holder's messages about their certificates (outbox templates)."""

from notifications.templates import register_template


def register_messages() -> None:
    register_template(
        "certificates.issued",
        {
            "zh-hans": ("电子证照已发放", "您的{{ certificate }}（编号 {{ number }}）已发放到“我的证照”。"),
            "en": ("E-certificate issued", "Your {{ certificate }} (no. {{ number }}) is now in My certificates."),
        },
    )
    register_template(
        "certificates.revoked",
        {
            "zh-hans": ("电子证照已吊销", "您的{{ certificate }}（编号 {{ number }}）已被吊销，原因：{{ reason }}"),
            "en": ("E-certificate revoked", "Your {{ certificate }} (no. {{ number }}) was revoked: {{ reason }}"),
        },
    )
    register_template(
        "certificates.superseded",
        {
            "zh-hans": (
                "电子证照已换发",
                "您的{{ certificate }}（编号 {{ number }}）已换发新证，原证失效。原因：{{ reason }}",
            ),
            "en": (
                "E-certificate replaced",
                "Your {{ certificate }} (no. {{ number }}) was replaced by a new one: {{ reason }}",
            ),
        },
    )
