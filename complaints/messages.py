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

    register_template(
        "complaints.inquiry_answered",
        {
            "zh-hans": (
                "您的{{ kind }}{{ reference }}已答复",
                "您提交的{{ kind }}“{{ subject }}”（受理编号{{ reference }}），{{ department }}已答复。"
                "请查看答复内容；如不满意，可在规定期限内申请重新办理。",
            ),
            "en": (
                "Your {{ kind }} {{ reference }} has been answered",
                "{{ department }} has answered your {{ kind }} \u201c{{ subject }}\u201d (reference {{ reference }}). "
                "Please read the answer; if you are not satisfied you may ask for it to be reopened in time.",
            ),
        },
    )
    register_template(
        "complaints.inquiry_escalated",
        {
            "zh-hans": (
                "督办：{{ kind }}{{ reference }}已超期",
                "{{ kind }}{{ reference }}的答复期限为{{ due_date }}，现已超期{{ days }}个工作日，请尽快办理。",
            ),
            "en": (
                "Overdue: {{ kind }} {{ reference }}",
                "{{ kind }} {{ reference }} was due on {{ due_date }} and is {{ days }} working day(s) late. "
                "Please deal with it now.",
            ),
        },
    )
    register_template(
        "complaints.evaluation_prompt",
        {
            "zh-hans": (
                "请评价：办件{{ case_number }}已办结",
                "您申请的“{{ service }}”（办件编号{{ case_number }}）已办结。"
                "请对本次服务进行评价（好差评），您的评价将帮助我们改进服务。",
            ),
            "en": (
                "Please rate: case {{ case_number }} is concluded",
                "Your application for {{ service }} (case {{ case_number }}) is concluded. "
                "Please rate the service: your rating helps us improve it.",
            ),
        },
    )
