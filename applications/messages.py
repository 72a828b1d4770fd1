"""The texts of the messages applications send (through the notifications outbox).

:func:`register_messages` is called once from ``ApplicationsConfig.ready()``.
"""

from notifications.templates import register_template


def register_messages() -> None:
    register_template(
        "applications.status_changed",
        {
            "zh-hans": (
                "办件{{ case_number }}：{{ status }}",
                "您申请的“{{ service }}”（办件编号{{ case_number }}）状态更新为：{{ status }}。"
                "{% if comment %}意见：{{ comment }}{% endif %}",
            ),
            "en": (
                "Case {{ case_number }}: {{ status }}",
                "Your application for {{ service }} (case {{ case_number }}) is now: {{ status }}."
                "{% if comment %} Comment: {{ comment }}{% endif %}",
            ),
        },
    )
