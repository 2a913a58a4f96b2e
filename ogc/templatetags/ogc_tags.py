from django import template

register = template.Library()


@register.filter
def prop(properties: dict, name: str):
    """``properties[name]`` in a template (property names are data, not attributes); a list
    reads as its values separated by commas."""
    value = properties.get(name)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else value
