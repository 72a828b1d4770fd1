from common.plugins import Registry

from .base import BaseEnterpriseVerifier, BaseVerifier

register = Registry[BaseVerifier]("identity verifier")
# Enterprise verifiers (企业登记核验); ``settings.ENTERPRISE_VERIFIER`` selects one.
register_enterprise = Registry[BaseEnterpriseVerifier]("enterprise verifier")
