"""Demo data for applications: form schemas for the demo catalogue, officials
in their departments, and cases in every state. DEMO ONLY."""

from services.models import Department, ServiceItemVersion

RESIDENT_FORM = {
    "type": "object",
    "x-order": ["applicant_name", "id_number", "mobile", "address", "reason"],
    "required": ["applicant_name", "id_number", "mobile", "address"],
    "properties": {
        "applicant_name": {
            "type": "string",
            "title": "申请人姓名",
            "x-label-en": "Applicant name",
            "maxLength": 50,
            "x-source": "identity.name",
        },
        "id_number": {
            "type": "string",
            "title": "身份证号码",
            "x-label-en": "ID number",
            "maxLength": 18,
            "x-source": "identity.id_number",
        },
        "mobile": {
            "type": "string",
            "title": "联系电话",
            "x-label-en": "Phone",
            "maxLength": 20,
            "pattern": "^1[3-9][0-9]{9}$",
            "x-source": "identity.mobile",
        },
        "address": {"type": "string", "title": "联系地址", "x-label-en": "Address", "maxLength": 200},
        "reason": {"type": "string", "title": "申请事由", "x-label-en": "Reason", "maxLength": 500},
    },
}

ENTERPRISE_FORM = {
    "type": "object",
    "x-order": ["enterprise_name", "uscc", "contact_name", "mobile", "business_address", "business_scope"],
    "required": ["enterprise_name", "contact_name", "mobile", "business_address"],
    "properties": {
        "enterprise_name": {
            "type": "string",
            "title": "企业名称",
            "x-label-en": "Enterprise name",
            "maxLength": 200,
            "x-source": "enterprise.name",
        },
        "uscc": {
            "type": "string",
            "title": "统一社会信用代码",
            "x-label-en": "USCC",
            "maxLength": 18,
            "x-source": "enterprise.uscc",
        },
        "contact_name": {
            "type": "string",
            "title": "经办人姓名",
            "x-label-en": "Agent name",
            "maxLength": 50,
            "x-source": "identity.name",
        },
        "mobile": {
            "type": "string",
            "title": "联系电话",
            "x-label-en": "Phone",
            "maxLength": 20,
            "pattern": "^1[3-9][0-9]{9}$",
            "x-source": "identity.mobile",
        },
        "business_address": {"type": "string", "title": "经营场所", "x-label-en": "Business address", "maxLength": 200},
        "business_scope": {"type": "string", "title": "经营范围", "x-label-en": "Business scope", "maxLength": 500},
    },
}


def seed_form_schemas() -> int:
    """Give every demo version without a form the generic form for its audience.

    The demo catalogue is loaded before any application exists, so filling
    these in does not change what a submitted case was judged by.
    """
    updated = 0
    for audience, schema in (("resident", RESIDENT_FORM), ("enterprise", ENTERPRISE_FORM), ("both", RESIDENT_FORM)):
        updated += ServiceItemVersion.objects.filter(form_schema={}, item__audience=audience).update(form_schema=schema)
    return updated


def seed() -> list[str]:
    seed_form_schemas()
    return [f"部门 / departments: {Department.objects.count()}"]
