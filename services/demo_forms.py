"""The demo catalogue's application forms (JSON Schema), keyed by item code. DEMO ONLY.

Each form asks what its real counterpart asks (食品经营许可: the premises, 主体业态,
the food categories and the food-safety manager; 住房公积金提取: the reason, the
lease or purchase record and the receiving account; 居住证: the address and the
type of residence). Fields the portal can answer name their prefill source
(``x-source``, see :mod:`common.prefill`); every other field is offered the
principal's answer from their last application. Items without a form of their
own get the generic form of their audience.

The forms travel with the catalogue records (``form_schema``), so the import
creates each version with its form before publishing it: a published version
is never edited, and a changed form is a new version.
"""

# --- The field library: one definition per field key, shared by every form that asks it. ---


def _text(title: str, en: str, *, max_length: int = 200, source: str = "", **extra) -> dict:
    spec = {"type": "string", "title": title, "x-label-en": en, "maxLength": max_length, **extra}
    if source:
        spec["x-source"] = source
    return spec


def _choice(title: str, en: str, options: list[str], **extra) -> dict:
    return {"type": "string", "title": title, "x-label-en": en, "enum": options, **extra}


def _date(title: str, en: str, *, source: str = "", **extra) -> dict:
    spec = {"type": "string", "format": "date", "title": title, "x-label-en": en, **extra}
    if source:
        spec["x-source"] = source
    return spec


def _number(title: str, en: str, *, minimum: float = 0, source: str = "", **extra) -> dict:
    spec = {"type": "number", "title": title, "x-label-en": en, "minimum": minimum, **extra}
    if source:
        spec["x-source"] = source
    return spec


MOBILE_PATTERN = "^1[3-9][0-9]{9}$"
ONCE = {"x-history": False}  # an answer that differs every time: never copied from an earlier application

FIELDS = {
    # The person (实名认证 and the population registry).
    "applicant_name": _text("申请人姓名", "Applicant name", max_length=50, source="identity.name"),
    "id_number": _text("身份证号码", "ID number", max_length=18, source="identity.id_number"),
    "gender": _text("性别", "Sex", max_length=2, source="identity.gender"),
    "ethnicity": _text("民族", "Ethnic group", max_length=20, source="identity.ethnicity"),
    "birth_date": _date("出生日期", "Date of birth", source="identity.birth_date"),
    "household_address": _text("户籍地址", "Household registration address", source="identity.household_address"),
    "mobile": _text("联系电话", "Phone", max_length=20, source="identity.mobile", pattern=MOBILE_PATTERN),
    "address": _text("现居住地址", "Current address"),
    "delivery_method": _choice("领取方式", "How to receive the result", ["窗口领取", "邮寄送达", "电子证照"]),
    "bank_name": _text("收款开户银行", "Receiving bank", max_length=100, source="identity.bank_account:bank_name"),
    "bank_account": _text(
        "收款银行账号", "Receiving account number", max_length=40, source="identity.bank_account:number"
    ),
    # The enterprise (its verification and the market-entity registry).
    "enterprise_name": _text("企业名称", "Enterprise name", source="enterprise.name"),
    "uscc": _text("统一社会信用代码", "USCC", max_length=18, source="enterprise.uscc"),
    "legal_representative": _text(
        "法定代表人", "Legal representative", max_length=50, source="enterprise.legal_representative"
    ),
    "enterprise_type": _text("企业类型", "Enterprise type", max_length=50, source="enterprise.enterprise_type"),
    "registered_address": _text("住所", "Registered address", source="enterprise.registered_address"),
    "registered_capital": _text(
        "注册资本", "Registered capital", max_length=50, source="enterprise.registered_capital"
    ),
    "business_scope": _text("经营范围", "Business scope", max_length=1000, source="enterprise.business_scope"),
    "contact_name": _text("经办人姓名", "Agent name", max_length=50, source="identity.name"),
    "contact_id_number": _text("经办人身份证号码", "Agent ID number", max_length=18, source="identity.id_number"),
    "premises_address": _text("经营场所", "Business premises"),
    "premises_area": _number("经营场所面积（平方米）", "Premises area (m²)"),
    "employee_count": {"type": "integer", "title": "从业人数", "x-label-en": "Employees", "minimum": 0},
    # Certificates the applicant holds (电子证照).
    "spouse_name": _text(
        "配偶姓名", "Spouse's name", max_length=50, source="certificate:marriage_certificate.spouse_name"
    ),
    "newborn_name": _text(
        "新生儿姓名", "Newborn's name", max_length=50, source="certificate:birth_medical_certificate.newborn_name"
    ),
    "newborn_birth_date": _date(
        "新生儿出生日期", "Newborn's date of birth", source="certificate:birth_medical_certificate.born_on"
    ),
    "property_location": _text("不动产坐落", "Property location", source="certificate:property_certificate.location"),
    "property_area": _text(
        "建筑面积（平方米）", "Floor area (m²)", max_length=20, source="certificate:property_certificate.area"
    ),
    "social_security_card_number": _text(
        "社会保障卡卡号",
        "Social security card number",
        max_length=30,
        source="certificate:social_security_card.card_number",
    ),
    "residence_address": _text("居住地址", "Residence address", source="certificate:residence_permit.address"),
}


def form(fields: list, *, required: list[str] | None = None) -> dict:
    """A form from field keys (or ``(key, spec)`` pairs for a field only this form asks); every
    field is required unless ``required`` says otherwise."""
    properties, order = {}, []
    for field in fields:
        key, spec = field if isinstance(field, tuple) else (field, FIELDS[field])
        properties[key] = spec
        order.append(key)
    return {
        "type": "object",
        "x-order": order,
        "required": list(required if required is not None else order),
        "properties": properties,
    }


PERSON = ["applicant_name", "id_number", "gender", "ethnicity", "birth_date", "household_address", "mobile"]
PERSON_SHORT = ["applicant_name", "id_number", "household_address", "mobile"]
ENTERPRISE = ["enterprise_name", "uscc", "legal_representative", "registered_address", "contact_name", "mobile"]
BANK = ["bank_name", "bank_account"]


def _form(fields: list, *, optional: tuple[str, ...] = ()) -> dict:
    keys = [field[0] if isinstance(field, tuple) else field for field in fields]
    return form(fields, required=[key for key in keys if key not in optional])


# --- The forms of the items in the topic columns, the bundles and the most popular items. ---

FORMS = {
    # 市场监管
    "440100-SCJG-001": _form(
        [
            "enterprise_name",
            "enterprise_type",
            "registered_address",
            "registered_capital",
            "business_scope",
            "legal_representative",
            "contact_name",
            "contact_id_number",
            "mobile",
            ("shareholders", _text("股东（发起人）及出资情况", "Shareholders and contributions", max_length=500)),
            ("operating_period", _choice("营业期限", "Term of operation", ["长期", "10年", "20年", "30年"])),
        ]
    ),
    "440100-SCJG-002": _form(
        [
            *PERSON,
            ("trade_name", _text("个体工商户名称", "Trade name")),
            "premises_address",
            ("composition", _choice("组成形式", "Form of business", ["个人经营", "家庭经营"])),
        ]
    ),
    "440100-SCJG-003": _form(
        [
            *ENTERPRISE,
            (
                "change_items",
                _choice("变更事项", "What changes", ["住所", "经营范围", "法定代表人", "注册资本", "名称"], **ONCE),
            ),
            ("change_after", _text("变更后内容", "After the change", max_length=500, **ONCE)),
        ]
    ),
    "440100-SCJG-005": _form(
        [
            "enterprise_name",
            "uscc",
            "legal_representative",
            "registered_address",
            "premises_address",
            "premises_area",
            (
                "business_format",
                _choice("主体业态", "Type of operator", ["食品销售经营者", "餐饮服务经营者", "单位食堂"]),
            ),
            (
                "food_categories",
                _text(
                    "经营项目（食品类别）",
                    "Food categories",
                    **{"x-help": "例如：热食类食品制售；冷食类食品制售", "x-help-en": "e.g. hot food; cold food"},
                ),
            ),
            ("food_safety_manager", _text("食品安全管理人员", "Food-safety manager", max_length=50)),
            (
                "food_safety_manager_mobile",
                _text("食品安全管理人员电话", "Food-safety manager's phone", max_length=20, pattern=MOBILE_PATTERN),
            ),
            "contact_name",
            "mobile",
        ]
    ),
    "440100-SCJG-007": _form(
        [
            *ENTERPRISE,
            "employee_count",
            ("report_year", _choice("报告年度", "Report year", ["2025", "2024"], **ONCE)),
        ]
    ),
    # 公安
    "440100-GA-001": _form(
        [
            *PERSON,
            (
                "renewal_reason",
                _choice("换领原因", "Reason for renewal", ["有效期满", "证件损坏", "登记项目变更"], **ONCE),
            ),
            "delivery_method",
        ]
    ),
    "440100-GA-002": _form(
        [
            *PERSON,
            "newborn_name",
            "newborn_birth_date",
            ("newborn_gender", _choice("新生儿性别", "Newborn's sex", ["男", "女"], **ONCE)),
            ("relationship", _choice("申请人与新生儿关系", "Relationship to the newborn", ["父亲", "母亲"])),
            "spouse_name",
        ]
    ),
    "440100-GA-004": _form(
        [
            *PERSON,
            ("deceased_name", _text("死者姓名", "Name of the deceased", max_length=50, **ONCE)),
            ("date_of_death", _date("死亡日期", "Date of death", **ONCE)),
            ("relationship_to_deceased", _choice("与死者关系", "Relationship", ["配偶", "子女", "父母", "其他亲属"])),
        ]
    ),
    "440100-GA-005": _form([*PERSON, ("occupation", _text("职业", "Occupation", max_length=50)), "delivery_method"]),
    "440100-GA-006": _form(
        [
            *PERSON,
            ("destination", _choice("前往地", "Destination", ["香港", "澳门", "香港和澳门"], **ONCE)),
            ("endorsement_type", _choice("签注种类", "Endorsement", ["个人旅游", "团队旅游", "探亲", "商务"], **ONCE)),
        ]
    ),
    "440100-GA-008": _form(
        [
            *PERSON,
            ("licence_class", _choice("准驾车型", "Licence class", ["C1", "C2", "B1", "B2", "A1", "A2"])),
            "delivery_method",
        ]
    ),
    "440100-GA-009": _form(
        [
            *PERSON,
            (
                "residence_address",
                {**FIELDS["residence_address"], "title": "居住地址", "x-label-en": "Address of residence"},
            ),
            (
                "residence_type",
                _choice("居住类型", "Type of residence", ["自有住房", "租赁住房", "单位宿舍", "亲友住所"]),
            ),
            ("residence_since", _date("居住起始日期", "Living there since")),
        ]
    ),
    # 人社
    "440100-RS-001": _form(
        [
            *PERSON,
            (
                "card_bank",
                _text("金融账户开户行", "Card-issuing bank", max_length=100, source="identity.bank_account:bank_name"),
            ),
            "delivery_method",
        ]
    ),
    "440100-RS-004": _form(
        [
            *PERSON,
            ("last_employer", _text("原工作单位", "Last employer")),
            ("separation_date", _date("解除劳动关系日期", "Employment ended on", **ONCE)),
            *BANK,
        ]
    ),
    "440100-RS-006": _form([*PERSON, ("retirement_date", _date("退休日期", "Retirement date", **ONCE)), *BANK]),
    "440100-RS-007": _form(
        [
            *PERSON_SHORT,
            ("deceased_name", _text("死者姓名", "Name of the deceased", max_length=50, **ONCE)),
            ("relationship_to_deceased", _choice("与死者关系", "Relationship", ["配偶", "子女", "父母", "其他亲属"])),
            *BANK,
        ]
    ),
    "440100-RS-009": _form([*ENTERPRISE, "employee_count"]),
    # 医保
    "440100-YB-001": _form(
        [
            *PERSON,
            ("destination_city", _text("就医地", "City of treatment", max_length=50, **ONCE)),
            ("filing_reason", _choice("备案类型", "Type", ["异地长期居住", "临时外出就医", "异地转诊"], **ONCE)),
        ]
    ),
    "440100-YB-002": _form(
        [*PERSON, ("insured_category", _choice("参保类别", "Category", ["城乡居民", "学生儿童", "新生儿"]))]
    ),
    # 民政
    "440100-MZ-001": _form(
        [
            *PERSON,
            ("partner_name", _text("对方姓名", "Partner's name", max_length=50, **ONCE)),
            ("partner_id_number", _text("对方身份证号码", "Partner's ID number", max_length=18, **ONCE)),
            ("appointment_date", _date("预约登记日期", "Appointment date", **ONCE)),
        ]
    ),
    "440100-MZ-004": _form([*PERSON, *BANK]),
    "440100-MZ-005": _form(
        [
            *PERSON,
            ("deceased_name", _text("死者姓名", "Name of the deceased", max_length=50, **ONCE)),
            ("date_of_death", _date("死亡日期", "Date of death", **ONCE)),
        ]
    ),
    # 卫健
    "440100-WJ-001": _form(
        [
            *PERSON,
            "newborn_name",
            "newborn_birth_date",
            "spouse_name",
        ]
    ),
    "440100-WJ-005": _form(
        [
            *ENTERPRISE,
            "premises_address",
            "premises_area",
            (
                "public_place_type",
                _choice(
                    "场所类别", "Type of public place", ["餐饮场所", "住宿场所", "美容美发场所", "游泳场所", "商场超市"]
                ),
            ),
        ]
    ),
    # 住建、自然资源
    "440100-ZJ-001": _form(
        [
            *ENTERPRISE,
            "enterprise_type",
            ("project_name", _text("项目名称", "Project name", **ONCE)),
            ("project_location", _text("建设地址", "Project location", **ONCE)),
            ("contract_price", _number("合同价格（万元）", "Contract price (10,000 yuan)", **ONCE)),
        ]
    ),
    "440100-ZJ-002": _form(
        [
            *ENTERPRISE,
            ("project_name", _text("项目名称", "Project name", **ONCE)),
            ("presale_area", _number("预售面积（平方米）", "Pre-sale area (m²)", **ONCE)),
        ]
    ),
    "440100-ZJ-004": _form(
        [
            *PERSON,
            "property_location",
            ("contract_number", _text("合同编号", "Contract number", max_length=50, **ONCE)),
        ]
    ),
    "440100-ZRZY-001": _form(
        [
            *ENTERPRISE,
            ("project_name", _text("项目名称", "Project name", **ONCE)),
            ("land_area", _number("用地面积（平方米）", "Land area (m²)", **ONCE)),
        ]
    ),
    "440100-ZRZY-002": _form(
        [
            *ENTERPRISE,
            ("project_name", _text("项目名称", "Project name", **ONCE)),
            ("floor_area", _number("总建筑面积（平方米）", "Total floor area (m²)", **ONCE)),
        ]
    ),
    "440100-ZRZY-003": _form(
        [
            *ENTERPRISE,
            ("project_name", _text("项目名称", "Project name", **ONCE)),
            ("project_location", _text("拟选址位置", "Proposed site", **ONCE)),
        ]
    ),
    # 税务
    "440100-SW-001": _form(
        [
            *ENTERPRISE,
            ("invoice_type", _choice("发票种类", "Invoice type", ["增值税电子普通发票", "增值税电子专用发票"])),
            (
                "monthly_invoices",
                {
                    "type": "integer",
                    "title": "每月最高领用数量",
                    "x-label-en": "Invoices per month",
                    "minimum": 1,
                    "maximum": 1000,
                },
            ),
        ]
    ),
    "440100-SW-002": _form([*PERSON, ("tax_year", _choice("汇算年度", "Tax year", ["2025"], **ONCE)), *BANK]),
    "440100-SW-003": _form(
        [
            *PERSON,
            "property_location",
            "property_area",
            ("transaction_price", _number("成交价格（元）", "Price (yuan)", **ONCE)),
        ]
    ),
    # 教育
    "440100-JY-001": _form(
        [
            *PERSON,
            ("child_name", _text("儿童姓名", "Child's name", max_length=50)),
            ("child_id_number", _text("儿童身份证号码", "Child's ID number", max_length=18)),
            "property_location",
        ]
    ),
    # 不动产
    "440100-BDC-001": _form(
        [
            *PERSON,
            "property_location",
            "property_area",
            ("buyer_name", _text("买受人姓名", "Buyer's name", max_length=50, **ONCE)),
            ("transaction_price", _number("成交价格（元）", "Price (yuan)", **ONCE)),
        ]
    ),
    "440100-BDC-002": _form([*PERSON, "property_location", "property_area"]),
    "440100-BDC-003": _form(
        [
            *PERSON,
            "property_location",
            "property_area",
            ("mortgagee", _text("抵押权人", "Mortgagee", max_length=100, **ONCE)),
            ("secured_amount", _number("被担保主债权数额（元）", "Secured amount (yuan)", **ONCE)),
        ]
    ),
    "440100-BDC-004": _form(
        [
            *PERSON,
            "property_location",
            ("query_purpose", _choice("查询目的", "Purpose", ["本人查询", "办理贷款", "子女入学", "其他"], **ONCE)),
        ]
    ),
    # 公积金
    "440100-GJJ-001": _form(
        [
            *PERSON,
            ("withdrawal_reason", _choice("提取原因", "Reason", ["租房", "购房", "退休", "离职"])),
            ("lease_record_number", _text("租赁合同备案编号", "Lease registration number", max_length=50)),
            ("monthly_rent", _number("月租金（元）", "Monthly rent (yuan)")),
            *BANK,
        ]
    ),
    "440100-GJJ-003": _form(
        [
            *PERSON,
            ("withdrawal_reason", _choice("提取原因", "Reason", ["退休", "出境定居", "丧失劳动能力"])),
            ("retirement_date", _date("退休日期", "Retirement date", **ONCE)),
            *BANK,
        ]
    ),
    "440100-GJJ-004": _form(
        [
            *PERSON_SHORT,
            ("deceased_name", _text("职工姓名", "Name of the deceased", max_length=50, **ONCE)),
            ("relationship_to_deceased", _choice("与职工关系", "Relationship", ["配偶", "子女", "父母", "其他继承人"])),
            *BANK,
        ]
    ),
    "440100-GJJ-005": _form(
        [
            *ENTERPRISE,
            "employee_count",
            ("deposit_rate", _choice("缴存比例", "Contribution rate", ["5%", "8%", "10%", "12%"])),
        ]
    ),
}

# --- The generic forms, for items without a form of their own. ---

RESIDENT_FORM = {
    "type": "object",
    "x-order": ["applicant_name", "id_number", "mobile", "address", "reason"],
    "required": ["applicant_name", "id_number", "mobile", "address"],
    "properties": {
        "applicant_name": FIELDS["applicant_name"],
        "id_number": FIELDS["id_number"],
        "mobile": FIELDS["mobile"],
        "address": _text("联系地址", "Address"),
        "reason": _text("申请事由", "Reason", max_length=500),
    },
}

ENTERPRISE_FORM = {
    "type": "object",
    "x-order": ["enterprise_name", "uscc", "contact_name", "mobile", "business_address", "business_scope"],
    "required": ["enterprise_name", "contact_name", "mobile", "business_address"],
    "properties": {
        "enterprise_name": FIELDS["enterprise_name"],
        "uscc": FIELDS["uscc"],
        "contact_name": FIELDS["contact_name"],
        "mobile": FIELDS["mobile"],
        "business_address": _text("经营场所", "Business address"),
        "business_scope": _text("经营范围", "Business scope", max_length=500),
    },
}


def form_for(*, code: str, audience: str) -> dict:
    """The form of a demo item: its own, else the generic form of its audience."""
    if code in FORMS:
        return FORMS[code]
    return ENTERPRISE_FORM if audience == "enterprise" else RESIDENT_FORM


# What the demo cases answer for the fields no source fills (seed_cases), by field key.
SAMPLE_ANSWERS = {
    "address": "广州市天河区体育西路1号",
    "business_address": "广州市天河区天河路100号",
    "premises_address": "广州市天河区天河路100号首层",
    "premises_area": 120,
    "business_format": "餐饮服务经营者",
    "food_categories": "热食类食品制售；冷食类食品制售",
    "food_safety_manager": "王小红",
    "food_safety_manager_mobile": "13800138002",
    "reason": "办理业务需要",
    "occupation": "职员",
    "delivery_method": "邮寄送达",
}
