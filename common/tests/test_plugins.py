import pytest

from common.plugins import PluginError, Registry, UnknownPlugin


class BaseSender:
    verbose_name = "base"

    def __init__(self, identifier: str):
        self.identifier = identifier


def test_decorator_registers_an_instance_under_its_identifier():
    register = Registry[BaseSender]("SMS sender")

    @register("console")
    class ConsoleSender(BaseSender):
        verbose_name = "控制台"

    plugin = register["console"]
    assert isinstance(plugin, ConsoleSender)
    assert plugin.identifier == "console"
    assert "console" in register
    assert list(register) == [plugin]
    assert register.choices() == [("console", "控制台")]


def test_second_registration_under_the_same_identifier_is_refused():
    register = Registry[BaseSender]("SMS sender")
    register.register("aliyun", BaseSender("aliyun"))

    with pytest.raises(PluginError, match="already registered as 'aliyun'"):
        register.register("aliyun", BaseSender("aliyun"))

    assert len(register) == 1


@pytest.mark.parametrize("identifier", ["", "Aliyun", "has space", "1st", "x" * 51, "../etc"])
def test_malformed_identifier_is_refused(identifier):
    register = Registry[BaseSender]("SMS sender")
    with pytest.raises(PluginError, match="Invalid SMS sender identifier"):
        register.register(identifier, BaseSender(identifier))
    assert len(register) == 0


def test_unknown_identifier_raises_a_named_error_and_get_returns_default():
    register = Registry[BaseSender]("payment gateway")
    with pytest.raises(UnknownPlugin, match="No payment gateway is registered as 'alipay'"):
        register["alipay"]
    assert register.get("alipay") is None


def test_listing_is_sorted_by_identifier():
    register = Registry[BaseSender]("verifier")
    for identifier in ("sandbox", "http", "face"):
        register.register(identifier, BaseSender(identifier))

    assert register.identifiers() == ["face", "http", "sandbox"]
    assert [identifier for identifier, _ in register.items()] == ["face", "http", "sandbox"]


@pytest.mark.parametrize("identifier", ["identity.name", "applications.status_changed", "certificate", "a-b_c.d2"])
def test_dotted_identifiers_are_accepted(identifier):
    register = Registry[BaseSender]("prefill source")
    register.register(identifier, BaseSender(identifier))
    assert register[identifier].identifier == identifier


@pytest.mark.parametrize("identifier", ["identity..name", "identity.", ".name", "Identity.name"])
def test_malformed_dotted_identifier_is_refused(identifier):
    register = Registry[BaseSender]("prefill source")
    with pytest.raises(PluginError, match="Invalid prefill source identifier"):
        register.register(identifier, BaseSender(identifier))


def test_a_fresh_registry_keeps_what_is_registered_inside_the_block_to_the_block():
    register = Registry[BaseSender]("material provider")
    built_in = register.register("built-in", BaseSender("built-in"))

    with register.fresh() as fresh:
        assert fresh is register  # importers of the registry see the fresh contents
        assert register["built-in"] is built_in
        register.register("test-only", BaseSender("test-only"))
        with pytest.raises(PluginError, match="already registered"):
            register.register("built-in", BaseSender("built-in"))
        assert register.identifiers() == ["built-in", "test-only"]

    assert register.identifiers() == ["built-in"]

    with register.fresh(empty=True):
        assert len(register) == 0
    assert register.identifiers() == ["built-in"]
