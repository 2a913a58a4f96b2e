from django import template

register = template.Library()


@register.filter
def prop(properties: dict, name: str):
    """``properties[name]`` in a template (property names are data, not attributes)."""
    value = properties.get(name)
    return "" if value is None else value
