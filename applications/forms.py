"""Application forms from JSON Schema.

The same schema (on the service item version) drives the server-rendered
Django form and the API; ``validate_form_data`` is the single check both use.
Supported: string (``maxLength``, ``pattern``, ``enum``, ``format: date``),
integer, number, boolean; ``required``; our keywords ``x-order``,
``x-label-en``, ``x-help``, ``x-help-en``, ``x-source`` (the prefill source)
and ``x-history`` (``false``: never prefill from earlier applications, for
answers that differ every time, such as a reason).
"""

import datetime

from django import forms
from django.utils.translation import get_language
from jsonschema import Draft202012Validator, FormatChecker

from . import prefill


def ordered_fields(schema: dict) -> list[tuple[str, dict]]:
    properties = schema.get("properties", {})
    order = schema.get("x-order") or list(properties)
    return [(name, properties[name]) for name in order if name in properties]


def _help(spec: dict) -> str:
    if get_language() == "en" and spec.get("x-help-en"):
        return spec["x-help-en"]
    return spec.get("x-help", "")


def _label(spec: dict, name: str) -> str:
    if get_language() == "en" and spec.get("x-label-en"):
        return spec["x-label-en"]
    return spec.get("title", name)


def _field_for(spec: dict, *, required: bool, label: str) -> forms.Field:
    kind = spec.get("type", "string")
    common = {"label": label, "required": required, "help_text": _help(spec)}
    if "enum" in spec:
        return forms.ChoiceField(choices=[("", "—"), *[(v, v) for v in spec["enum"]]], **common)
    if kind == "boolean":
        return forms.BooleanField(**{**common, "required": False})
    if kind == "integer":
        return forms.IntegerField(min_value=spec.get("minimum"), max_value=spec.get("maximum"), **common)
    if kind == "number":
        return forms.DecimalField(min_value=spec.get("minimum"), max_value=spec.get("maximum"), **common)
    if spec.get("format") == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.get("maxLength", 0) > 200:
        return forms.CharField(max_length=spec["maxLength"], widget=forms.Textarea(attrs={"rows": 4}), **common)
    return forms.CharField(max_length=spec.get("maxLength", 200), **common)


class SchemaForm(forms.Form):
    """A Django form built from a JSON Schema; prefilled authoritative fields are locked."""

    def __init__(self, *args, schema: dict, field_sources: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema
        self.field_sources = field_sources or {}
        required = set(schema.get("required", []))
        for name, spec in ordered_fields(schema):
            field = _field_for(spec, required=name in required, label=_label(spec, name))
            source = self.field_sources.get(name)
            if source:
                field.source = source
                if source.get("locked"):
                    # Disabled fields ignore what the browser sends: the held value stands.
                    field.disabled = True
            self.fields[name] = field

    def json_data(self) -> dict:
        data = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif value is not None and not isinstance(value, (str, int, bool)):
                value = float(value)
            if value not in (None, ""):
                data[name] = value
        return data


def prefill_values(schema: dict, *, applicant, enterprise=None) -> tuple[dict, dict]:
    """(initial data, field sources): each field from its ``x-source`` when that holds a value,
    else from the principal's earlier applications (``history:<field>``) unless ``x-history`` is false."""
    data, sources = {}, {}
    with prefill.reading():
        for name, spec in ordered_fields(schema):
            candidates = [spec["x-source"]] if spec.get("x-source") else []
            if spec.get("x-history", True):
                candidates.append(f"{prefill.HISTORY_SOURCE}:{name}")
            for source in candidates:
                found = prefill.resolve(source, applicant=applicant, enterprise=enterprise)
                from_history = source.startswith(f"{prefill.HISTORY_SOURCE}:")
                if found is not None and (not from_history or _fits(spec, found["value"])):
                    data[name] = found.pop("value")
                    sources[name] = found
                    break
    return data, sources


def _fits(spec: dict, value) -> bool:
    """An earlier answer is offered only if the field would still accept it (its choices may have changed)."""
    return Draft202012Validator(spec, format_checker=FormatChecker()).is_valid(value)


def validate_form_data(schema: dict, data: dict) -> list[dict]:
    """JSON Schema errors as ``[{"field", "message"}]``; empty when valid."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(part) for part in e.path]):
        # For "required", jsonschema names the missing property only in the message.
        field = error.message.split("'")[1] if error.validator == "required" else (error.path[0] if error.path else "")
        errors.append({"field": str(field), "message": error.message})
    return errors
