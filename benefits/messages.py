"""The texts of the messages the pension certification sends (through the notifications outbox).

:func:`register_messages` is called once from ``BenefitsConfig.ready()``. Every message goes
to the pensioner: in their inbox when they have a real-name verified account, and by SMS to
their account's mobile, or to the mobile the social-security office imported when they have none.
"""

from notifications.templates import register_template

REMINDER = "benefits.reminder"
CERTIFIED = "benefits.certified"
ATTEMPT_FAILED = "benefits.attempt_failed"
FLAGGED = "benefits.flagged"
SUSPENDED = "benefits.suspended"
EXEMPTED = "benefits.exempted"


def register_messages() -> None:
    register_template(
        REMINDER,
        {
            "zh-hans": (
                "{{ campaign }}：请在{{ window_end }}前完成认证",
                "{{ name }}您好，{{ campaign }}已于{{ window_start }}开始，截止日期为{{ window_end }}"
                "{% if kind == 'final' %}（还剩{{ days_left }}天）{% endif %}。您可在“通办”我的资格认证中刷脸认证，"
                "也可由亲属代办、申请上门认证，或到社保服务大厅现场认证。逾期未认证将暂停发放养老金。",
            ),
            "en": (
                "{{ campaign }}: please certify by {{ window_end }}",
                "Dear {{ name }}, {{ campaign }} started on {{ window_start }} and ends on {{ window_end }}"
                "{% if kind == 'final' %} ({{ days_left }} days left){% endif %}. Certify with a face check under "
                "My benefits certification, through a family member, by asking for a home visit, or in person "
                "at a service hall. Without certification your pension will be suspended.",
            ),
        },
    )
    register_template(
        CERTIFIED,
        {
            "zh-hans": (
                "{{ campaign }}：认证成功",
                "{{ name }}您好，您已通过{{ campaign }}（{{ path }}），有效期至{{ certified_until }}。"
                "{% if resumed %}您的养老金已恢复发放。{% endif %}",
            ),
            "en": (
                "{{ campaign }}: certified",
                "Dear {{ name }}, you are certified for {{ campaign }} ({{ path }}), valid until "
                "{{ certified_until }}.{% if resumed %} Your pension payments have resumed.{% endif %}",
            ),
        },
    )
    register_template(
        ATTEMPT_FAILED,
        {
            "zh-hans": (
                "{{ campaign }}：刷脸认证未通过",
                "{{ name }}您好，刚才的刷脸认证未通过。您可以再试一次，也可以申请上门认证、由亲属代办，"
                "或到社保服务大厅现场认证。",
            ),
            "en": (
                "{{ campaign }}: face check not passed",
                "Dear {{ name }}, the face check just now did not pass. You may try again, ask for a home "
                "visit, have a family member certify for you, or certify in person at a service hall.",
            ),
        },
    )
    register_template(
        FLAGGED,
        {
            "zh-hans": (
                "{{ campaign }}：您尚未完成认证",
                "{{ name }}您好，{{ campaign }}已于{{ window_end }}截止，您尚未完成认证，养老金可能被暂停发放。"
                "请尽快认证（刷脸、亲属代办、上门或到服务大厅均可），认证后自动恢复。",
            ),
            "en": (
                "{{ campaign }}: not yet certified",
                "Dear {{ name }}, {{ campaign }} ended on {{ window_end }} and you have not certified; your "
                "pension may be suspended. Please certify as soon as you can; payments resume by themselves.",
            ),
        },
    )
    register_template(
        SUSPENDED,
        {
            "zh-hans": (
                "{{ campaign }}：养老金暂停发放",
                "{{ name }}您好，因未完成{{ campaign }}，您的养老金已暂停发放。完成认证后将自动恢复发放。",
            ),
            "en": (
                "{{ campaign }}: pension suspended",
                "Dear {{ name }}, because {{ campaign }} was not completed, your pension is suspended. It "
                "resumes by itself once you certify.",
            ),
        },
    )
    register_template(
        EXEMPTED,
        {
            "zh-hans": (
                "{{ campaign }}：已办理豁免",
                "{{ name }}您好，经社保经办机构核实（{{ reason }}），您本次认证已豁免，养老金正常发放。",
            ),
            "en": (
                "{{ campaign }}: exempted",
                "Dear {{ name }}, after review ({{ reason }}) you are exempted from this certification; "
                "your pension is paid as usual.",
            ),
        },
    )
