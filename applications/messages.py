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

    register_template(
        "applications.sub_case_withdrawn",
        {
            "zh-hans": (
                "办件{{ case_number }}已撤回",
                "申请人撤回了一件事申请{{ parent_case_number }}，"
                "本部门的子办件{{ case_number }}（{{ service }}）随之撤回，"
                "已移出待办队列，无需继续办理。{% if reason %}撤回理由：{{ reason }}{% endif %}",
            ),
            "en": (
                "Case {{ case_number }} withdrawn",
                "The applicant withdrew the bundle application {{ parent_case_number }}, so your department's sub-case "
                "{{ case_number }} ({{ service }}) is withdrawn too and has left the queue; no further work is needed."
                "{% if reason %} Reason: {{ reason }}{% endif %}",
            ),
        },
    )

    register_template(
        "applications.deadline_corrected",
        {
            "zh-hans": (
                "办件{{ case_number }}：预计办结日期已更新",
                "节假日安排已公布，您申请的“{{ service }}”（办件编号{{ case_number }}）预计办结日期更新为"
                "{{ promised_deadline }}{% if provisional %}（仍为暂定）{% endif %}。",
            ),
            "en": (
                "Case {{ case_number }}: expected completion date updated",
                "The public holiday calendar has been published: the expected completion date of your application for "
                "{{ service }} (case {{ case_number }}) is now {{ promised_deadline }}"
                "{% if provisional %} (still provisional){% endif %}.",
            ),
        },
    )
