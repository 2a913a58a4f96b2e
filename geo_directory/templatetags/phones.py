"""``{{ number|phone }}``: a stored E.164 number as people write it ("04 92 80 71 30"), on every
page that shows one (``geo_directory.phones.display``). Links keep the E.164 form:
``<a href="tel:{{ number }}">{{ number|phone }}</a>``."""

from django import template

from geo_directory import phones

register = template.Library()


@register.filter
def phone(value) -> str:
    return phones.display(value)
