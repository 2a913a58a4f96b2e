"""The one way a day of the month is written for people: "1er décembre 2026", "2 décembre 2026".

French writes the first day of a month as an ordinal ("le 1er mai"), every other day as a
cardinal; Django's ``|date:"j F Y"`` writes "1 décembre 2026". Pages use the ``long_date``
filter (``geo_directory/templatetags/dates.py``), which sets the "er" in superscript; plain text
(a message, an e-mail, a CSV cell) calls ``long_date`` here.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as django_format
from django.utils.html import format_html


def _day(value: date | datetime | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # the day it was where the reader is (Paris)
    return value


def long_date(value: date | datetime | None) -> str:
    """ "1er décembre 2026", "2 décembre 2026"; "" for no date."""
    day = _day(value)
    if day is None:
        return ""
    rest = django_format(day, "F Y")
    return f"{day.day}{'er' if day.day == 1 else ''} {rest}"


def long_date_html(value: date | datetime | None) -> str:
    """The same for a page, the ordinal's "er" in superscript: "1<sup>er</sup> décembre 2026"."""
    day = _day(value)
    if day is None:
        return ""
    rest = django_format(day, "F Y")
    if day.day == 1:
        return format_html("1<sup>er</sup> {}", rest)
    return format_html("{} {}", day.day, rest)
