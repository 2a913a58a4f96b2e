"""``{{ value|long_date }}``: a date as French writes it, on every page that shows a day of the
month: "1er décembre 2026" (the "er" in superscript), "2 décembre 2026". One definition:
``geo_directory.dates``."""

from django import template

from geo_directory import dates

register = template.Library()


@register.filter
def long_date(value) -> str:
    return dates.long_date_html(value)
