"""The texts of the messages the marketplace sends (through the notifications outbox).

:func:`register_messages` is called once from ``MarketplaceConfig.ready()``.
"""

from notifications.templates import register_template


def register_messages() -> None:
    register_template(
        "marketplace.agency_reviewed",
        {
            "zh-hans": (
                "中介机构入驻审核结果：{{ agency }}",
                "{{ agency }}的中介机构入驻申请{{ outcome }}。{% if note %}审核意见：{{ note }}{% endif %}",
            ),
            "en": (
                "Agency registration reviewed: {{ agency }}",
                "The registration of {{ agency }} as an intermediary agency was {{ outcome }}."
                "{% if note %} Note: {{ note }}{% endif %}",
            ),
        },
    )
    register_template(
        "marketplace.qualification_reviewed",
        {
            "zh-hans": (
                "资质审核结果：{{ qualification }}",
                "{{ agency }}的资质“{{ qualification }}”（证书编号{{ number }}）{{ outcome }}。"
                "{% if note %}审核意见：{{ note }}{% endif %}",
            ),
            "en": (
                "Qualification reviewed: {{ qualification }}",
                "The qualification {{ qualification }} (certificate {{ number }}) of {{ agency }} was {{ outcome }}."
                "{% if note %} Note: {{ note }}{% endif %}",
            ),
        },
    )
    register_template(
        "marketplace.qualification_expiring",
        {
            "zh-hans": (
                "资质即将到期：{{ qualification }}",
                "{{ agency }}的资质“{{ qualification }}”（证书编号{{ number }}）将于{{ valid_until }}到期，"
                "还有{{ days_left }}天。到期后贵机构将不能参与需要该资质的项目选取，请及时办理延续并上传新证书。",
            ),
            "en": (
                "Qualification expiring: {{ qualification }}",
                "The qualification {{ qualification }} (certificate {{ number }}) of {{ agency }} expires on "
                "{{ valid_until }}, in {{ days_left }} day(s). After that the agency cannot be selected for projects "
                "that need it: please renew it and upload the new certificate.",
            ),
        },
    )
    register_template(
        "marketplace.qualification_expired",
        {
            "zh-hans": (
                "资质已过期：{{ qualification }}",
                "{{ agency }}的资质“{{ qualification }}”（证书编号{{ number }}）已于{{ valid_until }}到期，"
                "贵机构暂不能参与需要该资质的项目选取。",
            ),
            "en": (
                "Qualification expired: {{ qualification }}",
                "The qualification {{ qualification }} (certificate {{ number }}) of {{ agency }} expired on "
                "{{ valid_until }}: the agency cannot be selected for projects that need it.",
            ),
        },
    )
    register_template(
        "marketplace.quotes_closed",
        {
            "zh-hans": (
                "报价已截止：{{ reference }}",
                "项目“{{ title }}”（公告编号{{ reference }}）报价已截止，共收到{{ count }}份报价。"
                "请按公告的选取方式（{{ method }}）选取中介机构。",
            ),
            "en": (
                "Quotes closed: {{ reference }}",
                "Quotes for \u201c{{ title }}\u201d (posting {{ reference }}) are closed: {{ count }} received. "
                "Please select an agency by the posting's method ({{ method }}).",
            ),
        },
    )
    register_template(
        "marketplace.result_published",
        {
            "zh-hans": (
                "选取结果公示：{{ reference }}",
                "项目“{{ title }}”（公告编号{{ reference }}）的选取结果已公示，中选机构为{{ agency }}。"
                "{% if objection_deadline %}如有异议，请于{{ objection_deadline }}前提出。{% endif %}",
            ),
            "en": (
                "Selection result published: {{ reference }}",
                "The selection result of \u201c{{ title }}\u201d (posting {{ reference }}) is published: {{ agency }} "
                "was selected.{% if objection_deadline %} Objections may be filed until {{ objection_deadline }}."
                "{% endif %}",
            ),
        },
    )
    register_template(
        "marketplace.objection_filed",
        {
            "zh-hans": (
                "收到异议：{{ reference }}",
                "{{ agency }}对项目“{{ title }}”（公告编号{{ reference }}）的选取结果提出异议，"
                "监管部门处理前暂不能备案合同。",
            ),
            "en": (
                "Objection filed: {{ reference }}",
                "{{ agency }} objected to the selection result of \u201c{{ title }}\u201d (posting {{ reference }}). "
                "The contract cannot be recorded until the supervising department decides.",
            ),
        },
    )
    register_template(
        "marketplace.objection_decided",
        {
            "zh-hans": (
                "异议处理结果：{{ reference }}",
                "对项目“{{ title }}”（公告编号{{ reference }}）选取结果的异议{{ outcome }}。"
                "{% if note %}处理意见：{{ note }}{% endif %}",
            ),
            "en": (
                "Objection decided: {{ reference }}",
                "The objection to the selection result of \u201c{{ title }}\u201d (posting {{ reference }}) was "
                "{{ outcome }}.{% if note %} Note: {{ note }}{% endif %}",
            ),
        },
    )
