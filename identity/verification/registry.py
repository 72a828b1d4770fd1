from common.plugins import Registry

from .base import BaseVerifier

register = Registry[BaseVerifier]("identity verifier")
