from common.plugins import Registry

from .base import BaseFaceCheckProvider

# Face check providers (实人认证); ``settings.FACE_CHECK_PROVIDER`` selects the one in use.
register = Registry[BaseFaceCheckProvider]("face check provider")
