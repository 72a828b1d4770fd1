import pytest

from notifications.templates import message_templates, register_template

TEST_PING = {
    "zh-hans": ("测试消息", "你好，{{ name }}。这是一条测试消息。"),
    "en": ("Test message", "Hello {{ name }}. This is a test message."),
}


@pytest.fixture(autouse=True)
def test_ping_template():
    """The ``test.ping`` message, registered for this test only (never in production code)."""
    with message_templates.fresh():
        yield register_template("test.ping", TEST_PING)
