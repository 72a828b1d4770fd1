"""How things plug in: two shapes, and no third.

**1. A registry, for "many at once, chosen per item".** Several plugins are
live together and each case picks one by its identifier: which prefill source
answers a form field (``x-source``), which material provider holds a
certificate a material asks for, which message template a notification uses,
which payment gateway a resident pays with. The lower app offers a
:class:`Registry` and documents its plugin contract (a base class); the app
that provides plugins fills it from its ``AppConfig.ready()``, so a higher or
sibling app can plug into a lower one without the lower one importing it:

========================  ================================================  ===============================
registry                  contract                                          filled by
========================  ================================================  ===============================
prefill sources           ``common.prefill.PrefillSource``                  applications (identity and
                                                                            enterprise records),
                                                                            certificates (``certificate:``)
material providers        ``common.material_providers.MaterialProvider``    certificates (``wallet``)
decision listeners        ``common.decisions``                              certificates (issue on approval)
message templates         ``notifications.templates.register_template``     every app that sends messages
payment gateways          a ``payments`` base class (to come)               ``payments.contrib.*``
face check providers      ``identity.facecheck.BaseFaceCheckProvider``      identity (``sandbox``, ``tencent``)
========================  ================================================  ===============================

Face check providers are a registry although ``FACE_CHECK_PROVIDER`` picks the one that
starts new checks: each check keeps its provider's identifier, and callbacks are routed by
it (``/identity/face/callback/<provider>/``), so checks opened before a switch still finish.

A registry that a higher or sibling app must fill lives below it: prefill
sources and material providers live in ``common`` because certificates (layer
3) fills them and applications (layer 4) reads them, and neither may import
the other.

In the shape of open-forms' ``plugins/registry.py``::

    # payments/registry.py
    register = Registry[BasePaymentPlugin]("payment gateway")

    # payments/contrib/sandbox/plugin.py
    @register("sandbox")
    class SandboxGateway(BasePaymentPlugin): ...

    # payments/contrib/sandbox/apps.py
    def ready(self):
        from . import plugin  # noqa: F401  (registers the gateway)

A second registration under the same identifier is refused
(:class:`PluginError`), so two apps can never silently replace each other's
plugin. Tests never monkeypatch a registry or a module flag: they take a fresh
copy with ``with registry.fresh():`` (or ``fresh(empty=True)``), register
test plugins inside it, and the registry is as before when the block ends.

**2. A dotted-path backend setting, for "one per deployment".** Exactly one
implementation serves the whole site and the deployment chooses it, as Django
does for e-mail (``EMAIL_BACKEND``): the SMS sender (``SMS_BACKEND``, a class
path, see :mod:`common.sms`) and the real-name verifier
(``IDENTITY_VERIFIER``, which today names a plugin of
``identity.verification.registry``; it belongs to this shape and is due to
become a class path like ``SMS_BACKEND``). Tests change the setting
(``settings.SMS_BACKEND = ...locmem...``) and use the backend's test double.

Rule of thumb: if a user, a form field or a case chooses among several, it
is a registry; if the operator chooses one for the site, it is a setting.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")

# Lowercase words joined by "-", "_" or dots ("identity.name", "applications.status_changed").
IDENTIFIER_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$")
IDENTIFIER_MAX_LENGTH = 50


class PluginError(Exception):
    """A plugin was registered twice, under a bad identifier, or is unknown."""


class UnknownPlugin(PluginError, KeyError):
    pass


class Registry(Generic[T]):
    """Holds plugins of one kind, by identifier.

    :param kind: what the plugins are, used in error messages ("payment gateway").
    """

    def __init__(self, kind: str = "plugin"):
        self.kind = kind
        self._plugins: dict[str, T] = {}

    def __call__(self, identifier: str) -> Callable[[type], type]:
        """Class decorator: instantiate the class and register it as ``identifier``."""

        def decorator(plugin_class: type) -> type:
            self.register(identifier, plugin_class(identifier))
            return plugin_class

        return decorator

    def register(self, identifier: str, plugin: T) -> T:
        """Register ``plugin`` as ``identifier``; a second registration is refused."""
        if len(identifier) > IDENTIFIER_MAX_LENGTH or not IDENTIFIER_PATTERN.match(identifier):
            raise PluginError(
                f"Invalid {self.kind} identifier {identifier!r}: use lowercase letters, digits, '-', '_' and '.'."
            )
        if identifier in self._plugins:
            raise PluginError(f"A {self.kind} is already registered as {identifier!r}.")
        self._plugins[identifier] = plugin
        return plugin

    @contextmanager
    def fresh(self, *, empty: bool = False) -> Iterator["Registry[T]"]:
        """For tests: within the block the registry holds a copy of its plugins
        (none with ``empty=True``); what is registered inside is gone afterwards.

        The same object stays in place, so code that imported the registry sees
        the fresh contents; duplicates are still refused inside the block.
        """
        saved = self._plugins
        self._plugins = {} if empty else dict(saved)
        try:
            yield self
        finally:
            self._plugins = saved

    def __getitem__(self, identifier: str) -> T:
        try:
            return self._plugins[identifier]
        except KeyError:
            raise UnknownPlugin(f"No {self.kind} is registered as {identifier!r}.") from None

    def get(self, identifier: str, default: T | None = None) -> T | None:
        return self._plugins.get(identifier, default)

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._plugins

    def __iter__(self) -> Iterator[T]:
        return iter(self._plugins.values())

    def __len__(self) -> int:
        return len(self._plugins)

    def identifiers(self) -> list[str]:
        return sorted(self._plugins)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._plugins.items())

    def choices(self) -> list[tuple[str, str]]:
        """``(identifier, label)`` pairs for form and model fields; label is ``plugin.verbose_name``."""
        return [(identifier, str(getattr(plugin, "verbose_name", identifier))) for identifier, plugin in self.items()]
