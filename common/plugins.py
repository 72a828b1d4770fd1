"""A generic registry for pluggable providers.

Payment gateways, identity verifiers and SMS senders each get a registry
instance and register their plugins by a stable identifier, in the shape of
open-forms' ``plugins/registry.py``::

    # payments/registry.py
    register = Registry[BasePaymentPlugin]("payment gateway")

    # payments/contrib/sandbox/plugin.py
    @register("sandbox")
    class SandboxGateway(BasePaymentPlugin): ...

Plugin modules are imported from their ``AppConfig.ready()`` so registration
happens once, at start-up.
"""

import re
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

IDENTIFIER_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")


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
        if not IDENTIFIER_PATTERN.match(identifier):
            raise PluginError(
                f"Invalid {self.kind} identifier {identifier!r}: use lowercase letters, digits, '-' and '_'."
            )
        if identifier in self._plugins:
            raise PluginError(f"A {self.kind} is already registered as {identifier!r}.")
        self._plugins[identifier] = plugin
        return plugin

    def unregister(self, identifier: str) -> None:
        """Remove a plugin; meant for tests that register a temporary one."""
        self._plugins.pop(identifier, None)

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
