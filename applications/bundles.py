"""Bundles (一件事): one application, one merged form, one set of materials,
fanned out at submission into one sub-case per service item, each with its own
department queue and deadline. The parent concludes when every sub-case has.
"""

from services.models import Bundle, Material, ServiceItem


def bundle_items(bundle: Bundle) -> list[ServiceItem]:
    return list(
        bundle.items.filter(published_version__isnull=False)
        .select_related("published_version", "department")
        .order_by("bundleitem__order", "pk")
    )


def merged_schema(items: list[ServiceItem]) -> dict:
    """Every field once: the first item that asks for a field defines it; required if any item requires it."""
    properties, order, required = {}, [], set()
    for item in items:
        schema = item.published_version.form_schema or {}
        for name in schema.get("x-order") or list(schema.get("properties", {})):
            if name in schema.get("properties", {}) and name not in properties:
                properties[name] = schema["properties"][name]
                order.append(name)
        required.update(schema.get("required", []))
    return {
        "type": "object",
        "properties": properties,
        "x-order": order,
        "required": sorted(required & set(properties)),
    }


def merged_materials(items: list[ServiceItem]) -> list[Material]:
    """One requirement per material name: the same document is asked for once."""
    seen, materials = set(), []
    for material in Material.objects.filter(version__in=[item.published_version for item in items]).order_by(
        "version_id", "order", "pk"
    ):
        if material.name not in seen:
            seen.add(material.name)
            materials.append(material)
    return materials


def application_bundle_items(application) -> list[ServiceItem]:
    """A bundle draft's items, read once per application object: a draft's page asks for its
    merged form and its merged materials in the same request."""
    cached = getattr(application, "_bundle_items", None)
    if cached is None:
        cached = application._bundle_items = bundle_items(application.bundle)
    return cached


def application_schema(application) -> dict:
    """The form a draft is filled against: its version's, or the bundle's merged form."""
    if application.bundle_id and application.parent_id is None:
        return merged_schema(application_bundle_items(application))
    return application.service_version.form_schema


def application_requirements(application) -> list[Material]:
    """The materials a draft asks for, in order (one per name for a bundle).

    Read once per application object: they come from published versions, which never
    change, and a request that checks an upload and then renders the row asks twice.
    """
    cached = getattr(application, "_requirements", None)
    if cached is None:
        if application.bundle_id and application.parent_id is None:
            cached = merged_materials(application_bundle_items(application))
        else:
            cached = list(application.service_version.materials.order_by("order", "pk"))
        application._requirements = cached
    return list(cached)
