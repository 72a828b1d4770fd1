"""Plain read representations of the public catalogue, built without DRF's serializer machinery.

DRF builds a tree of field objects for every call and walks it per attribute; for
a 50-row page or a full guide that was most of the request's time in a profile.
These functions build the same JSON shapes directly from ``values()`` rows or
prefetched instances. The serializers in ``serializers.py`` remain the documented
contract (drf-spectacular reads them); ``services/tests/test_api_performance.py``
checks that both give identical output.
"""

from rest_framework.fields import DateTimeField

from services.models import ServiceItem

_datetime = DateTimeField()


def service_item_row(row: dict) -> dict:
    """One list row (``ServiceItemSerializer``'s shape) from a
    ``values(*selectors.SEARCH_RESULT_FIELDS)`` row."""
    return {
        "code": row["code"],
        "name": row["name"],
        "name_en": row["name_en"],
        "item_type": row["item_type"],
        "audience": row["audience"],
        "department": {
            "code": row["department__code"],
            "name": row["department__name"],
            "name_en": row["department__name_en"],
        },
        "popularity": row["popularity"],
    }


def _guide(version) -> dict:
    fees = list(version.fees.all())
    return {
        "version": version.version,
        "published_at": _datetime.to_representation(version.published_at) if version.published_at else None,
        "legal_basis": version.legal_basis,
        "conditions": version.conditions,
        "statutory_limit_days": version.statutory_limit_days,
        "promised_limit_days": version.promised_limit_days,
        "on_site_visits": version.on_site_visits,
        "online_depth": version.online_depth,
        "channels": [str(channel) for channel in version.channels],
        "result_type": version.result_type,
        "result_name": version.result_name,
        "service_location": version.service_location,
        "contact_phone": version.contact_phone,
        "complaint_phone": version.complaint_phone,
        "notes": version.notes,
        "is_free": not fees,
        "materials": [
            {
                "name": material.name,
                "form": material.form,
                "copies": material.copies,
                "mandatory": material.mandatory,
                "certificate_type_code": material.certificate_type_code,
                "note": material.note,
            }
            for material in version.materials.all()
        ],
        "fees": [{"name": fee.name, "amount_fen": fee.amount_fen, "legal_basis": fee.legal_basis} for fee in fees],
        "steps": [{"name": step.name, "description": step.description} for step in version.steps.all()],
        "special_steps": [
            {"name": step.name, "max_days": step.max_days, "description": step.description}
            for step in version.special_steps.all()
        ],
        "faqs": [{"question": faq.question, "answer": faq.answer} for faq in version.faqs.all()],
    }


def service_item_detail(item: ServiceItem) -> dict:
    """The full guide (``ServiceItemDetailSerializer``'s shape) of an item from
    ``selectors.service_item_guide`` (everything prefetched)."""
    department = item.department
    return {
        "code": item.code,
        "name": item.name,
        "name_en": item.name_en,
        "item_type": item.item_type,
        "audience": item.audience,
        "department": {"code": department.code, "name": department.name, "name_en": department.name_en},
        "popularity": item.popularity,
        "aliases": item.aliases,
        "life_events": [event.code for event in item.life_events.all()],
        "topics": [topic.code for topic in item.topics.all()],
        "bundles": [bundle.code for bundle in item.bundles.all()],
        "guide": _guide(item.published_version),
    }
