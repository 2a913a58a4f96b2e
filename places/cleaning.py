"""Cleaning of place fields before validation. Every function says what it changed.

Each cleaner takes the raw value and returns ``(clean_value, note)``: ``note`` is None when the
value was already clean, otherwise a short French sentence for the import report. A value that
cannot be repaired comes back empty with a note saying it was dropped: the field goes, the place
stays (as ANCT's ``lieux-de-mediation-numerique`` library does for opening hours).
"""

from __future__ import annotations

import re
from datetime import date

from opening_hours import OpeningHours, ParserError

from geo_directory import phones

from . import standard

POSTAL_PATTERN = re.compile(r"^\d{5}$")
INSEE_PATTERN = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
PIVOT_PATTERN = re.compile(r"^[a-zA-Z0-9]{9,14}$")
EMAIL_PATTERN = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
NO_PIVOT = "00000000000000"

Cleaned = tuple  # (value, note or None)


def text(value) -> str:
    """Any scalar as a stripped string (None -> "")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()) if not isinstance(value, str) else value.strip()


def departement_from_codes(code_insee: str, code_postal: str) -> str:
    """The département an INSEE or postal code points to ("" when neither is readable)."""
    for code in (code_insee, code_postal):
        if not code or len(code) != 5:
            continue
        if code.startswith("97"):
            return code[:3]
        if code[:2].upper() in {"2A", "2B"}:
            return code[:2].upper()
        if code is code_postal and code.startswith("20"):
            return "2A" if code[2] in "01" else "2B"
        if code[:2].isdigit():
            return code[:2]
    return ""


def clean_postal_code(value) -> Cleaned:
    raw = text(value)
    if not raw:
        return "", None
    digits = raw.replace(" ", "")
    if POSTAL_PATTERN.match(digits):
        return digits, (None if digits == raw else f"code postal « {raw} » → {digits}")
    if digits.isdigit() and len(digits) == 4:
        return "0" + digits, f"code postal « {raw} » : zéro initial rétabli → 0{digits}"
    return "", f"code postal illisible « {raw} » ignoré"


def clean_insee_code(value) -> Cleaned:
    raw = text(value).upper()
    if not raw:
        return "", None
    if raw.isdigit() and len(raw) == 4:
        return "0" + raw, f"code INSEE « {raw} » : zéro initial rétabli → 0{raw}"
    if INSEE_PATTERN.match(raw):
        return raw, None
    return "", f"code INSEE illisible « {raw} » ignoré"


def clean_phone(value, departement: str = "") -> Cleaned:
    """French numbers in international form (``geo_directory.phones``, the project's one phone
    cleaner): ``04 92 30 52 00`` -> ``+33492305200``; an overseas number in its territory's plan
    (``0262 90 47 00`` -> ``+262262904700``)."""
    raw = text(value)
    if not raw:
        return "", None
    try:
        number = phones.normalize(raw, departement)
    except phones.InvalidPhone:
        return "", f"téléphone illisible « {raw} » ignoré"
    return number, (None if number == raw else f"téléphone « {raw} » → {number}")


def clean_opening_hours(value) -> Cleaned:
    raw = text(value)
    if not raw:
        return "", None
    if len(raw) > 500:
        return "", f"horaires trop longs ({len(raw)} caractères, 500 au plus) ignorés"
    try:
        OpeningHours(raw)
    except (ParserError, ValueError):
        return "", f"horaires illisibles (syntaxe OSM attendue) « {raw[:80]} » ignorés"
    return raw, None


def clean_emails(values) -> Cleaned:
    kept, dropped = [], []
    for value in values:
        email = text(value).lower().removeprefix("mailto:")
        if not email:
            continue
        (kept if EMAIL_PATTERN.match(email) and len(email) <= 254 else dropped).append(email)
    kept = list(dict.fromkeys(kept))
    return kept, (f"courriel illisible ignoré : {', '.join(dropped)}" if dropped else None)


def clean_url(value) -> Cleaned:
    raw = text(value)
    if not raw:
        return "", None
    url = raw
    if not re.match(r"^https?://", url, re.IGNORECASE) and re.match(r"^[\w.-]+\.[a-z]{2,}", url):
        url = "https://" + url
    if URL_PATTERN.match(url) and len(url) <= 500:
        return url, (None if url == raw else f"adresse web « {raw} » → {url}")
    return "", f"adresse web illisible « {raw[:80]} » ignorée"


def clean_urls(values) -> Cleaned:
    kept, notes = [], []
    for value in values:
        url, note = clean_url(value)
        if url:
            kept.append(url)
        if note:
            notes.append(note)
    return list(dict.fromkeys(kept)), ("; ".join(notes) if notes else None)


def clean_pivot(value) -> Cleaned:
    raw = text(value).replace(" ", "")
    if not raw or raw == NO_PIVOT:
        return "", None
    if PIVOT_PATTERN.match(raw):
        return raw, None
    return "", f"SIRET/RNA illisible « {raw} » ignoré"


# The Unix epoch: what a system writes when it has no date (26 shared places carry it).
EPOCH = date(1970, 1, 1)


def clean_date(value) -> Cleaned:
    """A date, or None with a note when it is unreadable or the epoch (1970-01-01, no date)."""
    raw = text(value)
    if not raw:
        return None, None
    parsed = None
    try:
        parsed = date.fromisoformat(raw[:10])
    except ValueError:
        match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", raw)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                parsed = date(year, month, day)
            except ValueError:
                pass
    if parsed is None:
        return None, f"date de mise à jour illisible « {raw} »"
    if parsed == EPOCH:
        return None, f"date de mise à jour {raw} (date zéro d'un logiciel, pas une vraie date)"
    return parsed, None


def clean_choices(values, allowed, label: str) -> Cleaned:
    """Keep the values of the standard's list (order kept, duplicates removed)."""
    kept, dropped = [], []
    for value in values:
        value = text(value)
        if not value:
            continue
        (kept if value in allowed else dropped).append(value)
    kept = list(dict.fromkeys(kept))
    note = f"{label} : valeur hors du standard ignorée : {', '.join(dropped)}" if dropped else None
    return kept, note


def clean_typologie(values) -> Cleaned:
    known = {code.upper(): code for code in standard.TYPOLOGIES}
    kept, dropped = [], []
    for value in values:
        value = text(value)
        if not value:
            continue
        code = known.get(value.upper())
        (kept.append(code) if code else dropped.append(value))
    note = f"typologie inconnue ignorée : {', '.join(dropped)}" if dropped else None
    return list(dict.fromkeys(kept)), note


def clean_length(value, max_length: int, label: str) -> Cleaned:
    value = text(value)
    if len(value) <= max_length:
        return value, None
    return value[: max_length - 1].rstrip() + "…", f"{label} tronqué à {max_length} caractères"


def split_multi(value, separators: str = "|") -> list[str]:
    """A multi-valued field as a list: lists stay lists, strings split on ``separators``."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [text(v) for v in value if text(v)]
    parts = [text(value)]
    for separator in separators:
        parts = [piece for part in parts for piece in part.split(separator)]
    return [p.strip() for p in parts if p.strip()]
