"""The texts of the messages complaints sends (through the notifications outbox).

:func:`register_messages` is called once from ``ComplaintsConfig.ready()``.
"""

from notifications.templates import register_template


def register_messages() -> None:
    register_template(
        "complaints.followup_result",
        {
            "zh-hans": (
                "办件{{ case_number }}：您的评价已处理",
                "您对“{{ service }}”（办件编号{{ case_number }}）的评价，{{ department }}已处理完毕：{{ result }}。"
                "{% if note %}处理情况：{{ note }}{% endif %}",
            ),
            "en": (
                "Case {{ case_number }}: your rating has been dealt with",
                "{{ department }} has finished dealing with your rating of {{ service }} (case {{ case_number }}): "
                "{{ result }}.{% if note %} Details: {{ note }}{% endif %}",
            ),
        },
    )
