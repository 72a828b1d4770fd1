"""The texts of the messages electronic supervision sends (through the notifications outbox).

:func:`register_messages` is called once from ``SupervisionConfig.ready()``.
"""

from notifications.templates import register_template


def register_messages() -> None:
    register_template(
        "supervision.card_issued",
        {
            "zh-hans": (
                "电子监察{{ colour }}：办件{{ case_number }}",
                "{{ department }}办理的“{{ service }}”（办件编号{{ case_number }}）承诺期限为{{ deadline }}，"
                "{% if colour_code == 'red' %}已超期{{ days_late }}个工作日{% elif days_left %}"
                "还剩{{ days_left }}个工作日{% else %}今天到期{% endif %}，已被签发{{ colour }}。"
                "请尽快办理，并在督办单上说明情况。",
            ),
            "en": (
                "Supervision {{ colour }}: case {{ case_number }}",
                "Case {{ case_number }} ({{ service }}), handled by {{ department }}, was promised by "
                "{{ deadline }} and "
                "{% if colour_code == 'red' %}is {{ days_late }} working day(s) late{% elif days_left %}"
                "has {{ days_left }} working day(s) left{% else %}is due today{% endif %}: "
                "a {{ colour }} was issued. Please deal with it and explain on the card.",
            ),
        },
    )
    register_template(
        "supervision.weekly_digest",
        {
            "zh-hans": (
                "电子监察周报：{{ department }}（{{ week }}）",
                "{{ department }}{{ week_start }}至{{ week_end }}：收件{{ received }}件，办结{{ concluded }}件，"
                "其中按承诺期限办结{{ concluded_on_time }}件。当前未关闭的黄牌{{ open_yellow_cards }}张、"
                "红牌{{ open_red_cards }}张；超期未办结的差评整改{{ overdue_followups }}件、"
                "咨询投诉{{ overdue_inquiries }}件。",
            ),
            "en": (
                "Supervision weekly digest: {{ department }} ({{ week }})",
                "{{ department }}, {{ week_start }} to {{ week_end }}: {{ received }} case(s) received, "
                "{{ concluded }} concluded, {{ concluded_on_time }} of them within the promised time. "
                "Open now: {{ open_yellow_cards }} yellow and {{ open_red_cards }} red card(s); "
                "overdue: {{ overdue_followups }} rating follow-up(s) and {{ overdue_inquiries }} inquiry(ies).",
            ),
        },
    )
