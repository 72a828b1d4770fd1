from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    DEAD = "dead", _("投递失败")
