"""What the sandbox registries hold about the demo people and enterprises, and the
demo resident's bank account on file, for prefilling forms. DEMO ONLY; idempotent.

Runs after ``identity.demo`` and ``identity.demo_enterprises`` created the rows.
Every value is fictitious.
"""

from .models import BankAccount, SandboxEnterprise, SandboxIdentity, User
from .personal_data import id_number_digest, mask_bank_account, uscc_digest

# ID number → (household address 户籍地址, ethnicity 民族) in the sandbox population registry.
HOUSEHOLD_RECORDS = {
    "440106199001011235": ("广东省广州市天河区体育西路1号", "汉族"),
    "440304198506154569": ("广东省深圳市福田区福中三路2号", "汉族"),
    "11010519800808777X": ("北京市朝阳区建国路8号", "满族"),
}

# USCC → registered particulars in the sandbox market-entity registry.
ENTERPRISE_PARTICULARS = {
    "91350100M000100Y43": {
        "enterprise_type": "有限责任公司（自然人投资或控股）",
        "registered_address": "广州市天河区天河路100号",
        "registered_capital": "100万元人民币",
        "business_scope": "餐饮服务；食品销售；餐饮管理；外卖递送服务。",
    },
    "91440101MA9W7TB019": {
        "enterprise_type": "有限责任公司（自然人独资）",
        "registered_address": "广州市黄埔区科学大道18号",
        "registered_capital": "500万元人民币",
        "business_scope": "软件开发；信息技术咨询服务；数据处理服务。",
    },
}

# The demo resident's account on file (a test number that passes the Luhn check).
DEMO_BANK_ACCOUNT = ("13800138000", "中国工商银行广州天河支行", "6222021234567890128")


def seed() -> list[str]:
    for id_number, (address, ethnicity) in HOUSEHOLD_RECORDS.items():
        for entry in SandboxIdentity.objects.filter(id_number_digest=id_number_digest(id_number)):
            if (entry.household_address, entry.ethnicity) != (address, ethnicity):
                entry.household_address, entry.ethnicity = address, ethnicity
                entry.save(update_fields=["household_address", "ethnicity", "updated_at"])
    for uscc, particulars in ENTERPRISE_PARTICULARS.items():
        for entry in SandboxEnterprise.objects.filter(uscc_digest=uscc_digest(uscc)):
            if any(getattr(entry, field) != value for field, value in particulars.items()):
                for field, value in particulars.items():
                    setattr(entry, field, value)
                entry.save(update_fields=[*particulars, "updated_at"])
    username, bank_name, number = DEMO_BANK_ACCOUNT
    user = User.objects.filter(username=username).first()
    if user is not None and not BankAccount.objects.filter(user=user).exists():
        BankAccount.objects.create(
            user=user, bank_name=bank_name, account_number=number, account_masked=mask_bank_account(number)
        )
    return []
