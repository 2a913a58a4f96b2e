"""Opening hours in OSM syntax (the standard's ``horaires``): "open now" and a readable week.

Parsing is done by opening-hours-py (a maintained OSM ``opening_hours`` parser); a place is judged
in its own time zone: Europe/Paris in metropolitan France, the local zone overseas.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone
from opening_hours import OpeningHours, ParserError, State

PARIS = "Europe/Paris"
OVERSEAS_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
}
WEEKDAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")


def time_zone_name(departement_code: str | None) -> str:
    return OVERSEAS_TIME_ZONES.get(departement_code or "", PARIS)


@lru_cache(maxsize=4096)
def parse(hours: str) -> OpeningHours | None:
    """The parsed expression, or None when ``hours`` is empty or not OSM syntax."""
    hours = (hours or "").strip()
    if not hours:
        return None
    try:
        return OpeningHours(hours)
    except (ParserError, SyntaxError, ValueError):
        return None


def local_now(departement_code: str | None, at: datetime | None = None) -> datetime:
    """``at`` (default now) as a naive local time of the département's time zone."""
    at = at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at, ZoneInfo(PARIS))
    return at.astimezone(ZoneInfo(time_zone_name(departement_code))).replace(tzinfo=None)


def is_open(hours: str, departement_code: str | None = None, at: datetime | None = None) -> bool:
    """True when the place is open at ``at`` in its own time zone; False if unknown."""
    parsed = parse(hours)
    if parsed is None:
        return False
    return parsed.state(local_now(departement_code, at))[0] == State.OPEN


def _clock(moment: time) -> str:
    if moment.minute:
        return f"{moment.hour} h {moment.minute:02d}"
    return f"{moment.hour} h"


def _span(start: datetime, end: datetime, day: date) -> str:
    if end - start >= timedelta(days=1) or (start.time() == time(0) and end.date() > day):
        return "24 h/24"
    end_text = "24 h" if end.date() > day else _clock(end.time())
    return f"{_clock(start.time())} – {end_text}"


@lru_cache(maxsize=16384)
def hours_on(hours: str, day: date) -> str:
    """What ``hours`` (readable, ``parse``) say of the local ``day``: "9 h – 12 h, 14 h – 17 h",
    "24 h/24" or "Fermé". Kept per expression and day: the places of a search page share a few
    dozen expressions, and a day's text never changes."""
    start = datetime.combine(day, time(0))
    end = start + timedelta(days=1)
    spans = [
        _span(max(a, start), min(b, end), day)
        for a, b, state, _comment in parse(hours).intervals(start, end)
        if state == State.OPEN and b > a
    ]
    return ", ".join(spans) if spans else "Fermé"


def readable_week(
    hours: str, departement_code: str | None = None, at: datetime | None = None
) -> list[dict] | None:
    """The current week, Monday first: ``[{"day": "Lundi", "hours": "9 h – 12 h, ...",
    "today": bool}, ...]`` ("Fermé" on closed days). None when the hours cannot be read."""
    if parse(hours) is None:
        return None
    today = local_now(departement_code, at).date()
    monday = today - timedelta(days=today.weekday())
    week = []
    for index, name in enumerate(WEEKDAYS):
        day = monday + timedelta(days=index)
        week.append({"day": name, "hours": hours_on(hours, day), "today": day == today})
    return week


def today_hours(hours: str, departement_code: str | None = None, at=None) -> str | None:
    """Today's hours in the place's own time zone (``hours_on``), None when unreadable."""
    if parse(hours) is None:
        return None
    return hours_on(hours, local_now(departement_code, at).date())
