"""The ``test.ping`` message texts: registered by the root conftest's ``test_ping_template`` fixture, never in
production code."""

TEST_PING = {
    "zh-hans": ("测试消息", "你好，{{ name }}。这是一条测试消息。"),
    "en": ("Test message", "Hello {{ name }}. This is a test message."),
}
