"""Built-in message texts, by key and language.

Apps register the texts of their messages here (``register_template``) at
import time; officials can override any of them per language in the admin
(:class:`notifications.models.MessageTemplate`). Texts use Django template
syntax and are rendered without HTML escaping (they are plain text).
"""

from dataclasses import dataclass

from django.template import Context, Engine

_ENGINE = Engine(autoescape=False)
_BUILT_IN: dict[str, dict[str, tuple[str, str]]] = {}


@dataclass(frozen=True)
class RenderedMessage:
    title: str
    body: str


def register_template(key: str, texts: dict[str, tuple[str, str]]) -> None:
    """Register ``texts`` — ``{language: (title, body)}`` — under ``key``; Chinese is required."""
    if "zh-hans" not in texts:
        raise ValueError(f"Message template {key!r} needs a zh-hans text")
    _BUILT_IN[key] = texts


def render(key: str, language: str, context: dict) -> RenderedMessage:
    from .models import MessageTemplate

    override = MessageTemplate.objects.filter(key=key, language=language).first()
    if override is not None:
        title, body = override.title, override.body
    else:
        texts = _BUILT_IN[key]
        title, body = texts.get(language) or texts["zh-hans"]
    ctx = Context(context)
    return RenderedMessage(
        title=_ENGINE.from_string(title).render(ctx).strip(), body=_ENGINE.from_string(body).render(ctx).strip()
    )


register_template(
    "test.ping",
    {
        "zh-hans": ("测试消息", "你好，{{ name }}。这是一条测试消息。"),
        "en": ("Test message", "Hello {{ name }}. This is a test message."),
    },
)
