"""The results of the public search (/lieux/) as its page lists them and its map marks them.

One ``Card`` per real place: the values of its records merged (``same_place.load_described``),
its sheet's address, its marker's popup and tooltip, and the markup of the parts of its result
that no search changes (written here once per card: the template's nodes for those parts were
half the page's rendering, 20 cards a page). Cards are kept by the one cache per places'
version (``search-cards``, memory, one card per entry: ``cache.in_blocks``): the places' version
is bumped by every write to places and to the keeper's decisions, all a card is made of. A
person moving "near me" lists the places they listed a moment ago, so a page reads from PostGIS
only its places' ids and distances, and the records of the places no search showed yet.
What changes with each search (the distance) and each day (today's hours) is added per request:
``Result``.
"""

from __future__ import annotations

from typing import NamedTuple

from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from geo_directory import cache

from . import maps, same_place
from .opening_hours import today_hours

NAMESPACE = "search-cards"


class Card(NamedTuple):
    """What a result shows of one real place (a tuple: the cache measures its bytes)."""

    pk: int  # the record the search found (the best-ranked of its real place's)
    nom: str
    lon: float
    lat: float
    horaires: str
    departement_code: str
    popup: str  # the marker's popup up to its distance (HTML, ``maps.js_safe``)
    tooltip: str  # the marker's tooltip (``maps.text``)
    # its item of the result list (safe HTML), around a search's distance and today's hours:
    item_start: str  # up to the distance: its name, a link to its sheet
    item_middle: str  # after the distance: "(position approximative)", commune, address
    item_end: str  # after today's hours: its first services


class Result(NamedTuple):
    """A card as one search shows it."""

    card: Card
    distance_text: str  # "1,3 km"
    html: str  # its item of the result list (``result_html``), with today's hours


SERVICES_SHOWN = 4  # the others are counted: "+3"


def card_of(place) -> Card:
    """The card of ``place``, described (``same_place``: ``sheet_pk``, merged values)."""
    sheet_url = reverse("places:detail", args=[place.sheet_pk])
    popup = format_html(
        '<strong><a href="{}">{}</a></strong><br>{}<br>{} {}',
        sheet_url,
        place.nom,
        place.adresse,
        place.code_postal,
        place.commune,
    )
    services = tuple(place.services or ())
    where = format_html(
        "{}{}",
        mark_safe(' <span class="muted">(position approximative)</span>')
        if place.location_precision == "commune"
        else "",
        format_html(" · {}", place.commune) if place.commune else "",
    )
    badges = [*services[:SERVICES_SHOWN]]
    if len(services) > SERVICES_SHOWN:
        badges.append(f"+{len(services) - SERVICES_SHOWN}")
    return Card(
        pk=place.pk,
        nom=place.nom,
        lon=round(place.location.x, 6),
        lat=round(place.location.y, 6),
        horaires=place.horaires,
        departement_code=place.departement_code,
        popup=maps.js_safe(popup),
        tooltip=maps.text(place.nom),
        item_start=format_html(
            '<li class="result card" data-place-id="{}">\n<h3><a href="{}">{}</a></h3>\n'
            '<p class="distance"><strong>',
            place.pk,
            sheet_url,
            place.nom,
        ),
        item_middle=format_html(
            "</strong>{}</p>\n<p>{}{}</p>\n",
            where,
            place.adresse,
            format_html(", {}", place.code_postal) if place.code_postal else "",
        ),
        item_end=format_html(
            "{}</li>",
            format_html(
                '<ul class="tags">{}</ul>',
                format_html_join("", '<li class="badge">{}</li>', ((b,) for b in badges)),
            )
            if badges
            else "",
        ),
    )


def cards(ids: list[int], groups: same_place.Groups, places_version: cache.Version) -> list[Card]:
    """The cards of the located places ``ids``, in that order (the records of a real place
    ``groups`` of ``places_version``, read before the ids): those kept, and the others read in
    one query (with the other records of their real places)."""

    def read(wanted: list[int]) -> dict[int, Card]:
        return {place.pk: card_of(place) for place in same_place.load_described(wanted, groups)}

    kept = cache.in_blocks(NAMESPACE, (places_version,), ids, read, block=1)
    return [kept[pk] for pk in ids if pk in kept]


def results(cards_shown: list[Card], metres: dict[int, float]) -> list[Result]:
    """The cards as this search shows them: at their distance (``metres`` by id), with
    today's hours."""
    shown = []
    for card in cards_shown:
        distance = distance_text(metres[card.pk])
        today = today_hours(card.horaires, card.departement_code)
        shown.append(Result(card, distance, result_html(card, distance, today)))
    return shown


def result_html(card: Card, distance: str, today: str | None) -> SafeString:
    """A result of the list (safe HTML): its name, distance and commune, address, today's
    hours and first services; the card's parts around this search's distance and day (the
    template's nodes for it were a third of the page's rendering)."""
    today_line = (
        format_html('<p class="today">Aujourd\'hui : {}</p>\n', today) if today else SafeString()
    )
    return card.item_start + escape(distance) + card.item_middle + today_line + card.item_end


def distance_text(metres: float) -> str:
    """French decimal comma, kilometres: "1,2 km"."""
    return f"{metres / 1000:.1f}".replace(".", ",") + " km"
