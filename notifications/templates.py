"""Built-in message texts, by key and language.

Apps register the texts of their messages in :data:`message_templates`, a
:class:`common.plugins.Registry` (see that module for the two plug-in shapes),
with :func:`register_template` from their ``AppConfig.ready()``; a second
template under the same key is refused. Officials can override any of them per
language in the admin (:class:`notifications.models.MessageTemplate`). Texts use
Django template syntax and are rendered without HTML escaping (they are plain
text). Tests register their own templates inside ``message_templates.fresh()``.
"""

from dataclasses import dataclass

from django.template import Context, Engine
from django.utils import translation

from common.plugins import Registry

_ENGINE = Engine(autoescape=False)


@dataclass(frozen=True)
class BuiltInTemplate:
    """The texts of one message, ``{language: (title, body)}``; ``zh-hans`` is always there."""

    key: str
    texts: dict[str, tuple[str, str]]


message_templates = Registry[BuiltInTemplate]("message template")


@dataclass(frozen=True)
class RenderedMessage:
    title: str
    body: str


def register_template(key: str, texts: dict[str, tuple[str, str]]) -> BuiltInTemplate:
    """Register ``texts`` — ``{language: (title, body)}`` — under ``key``; Chinese is required."""
    if "zh-hans" not in texts:
        raise ValueError(f"Message template {key!r} needs a zh-hans text")
    return message_templates.register(key, BuiltInTemplate(key=key, texts=texts))


def render(key: str, language: str, context: dict) -> RenderedMessage:
    from .models import MessageTemplate

    override = MessageTemplate.objects.filter(key=key, language=language).first()
    if override is not None:
        title, body = override.title, override.body
    else:
        texts = message_templates[key].texts
        title, body = texts.get(language) or texts["zh-hans"]
    ctx = Context(context)
    # In the message's language whoever delivers it (a worker runs in the default language), so
    # anything the template translates or formats (dates, numbers) follows the recipient.
    with translation.override(language):
        return RenderedMessage(
            title=_ENGINE.from_string(title).render(ctx).strip(), body=_ENGINE.from_string(body).render(ctx).strip()
        )
