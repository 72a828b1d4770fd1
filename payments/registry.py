"""The payment gateways, by identifier (see :mod:`common.plugins`)."""

from common.plugins import Registry

from .base import BasePaymentGateway

gateways = Registry[BasePaymentGateway]("payment gateway")
register = gateways
