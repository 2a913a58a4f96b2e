"""Place pages (French): the public search, a place's sheet, a département's directory.

Views only parse the URL (forms), call the queryset methods and render.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import folium
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from geo_directory import cache as response_cache
from geo_directory.territories.models import Commune, Departement

from . import maps, same_place, search_map, search_results, standard
from .api import pages
from .filters import CONTROL_RE, DEPARTEMENT_RE
from .forms import (
    DEFAULT_RADIUS_KM,
    FILTER_FIELDS,
    PAGE_SIZE,
    DirectoryForm,
    SearchForm,
    suggestion_label,
)
from .models import Place
from .opening_hours import readable_week
from .standard import MODEL_FIELDS as STANDARD_FIELDS

STALE_AFTER = timedelta(days=365)

# Sections other apps add to a place's sheet (e.g. actors: "the mediators who agreed to be
# shown"), so that places never imports them: a callable(request, place) returns safe HTML or
# None. Register it in the app's ``AppConfig.ready()`` with ``register_sheet_section``. The
# place carries ``same_place_ids``: every record of that real place (one per source).
SHEET_SECTIONS: list[Callable] = []


def register_sheet_section(section: Callable) -> Callable:
    if section not in SHEET_SECTIONS:
        SHEET_SECTIONS.append(section)
    return section


# The search page's filters, folded, in groups a person reads in order: when and at what cost,
# what for, then the rest (folded again). Field names are ``forms.FILTER_FIELDS``'s.
FILTER_GROUPS = (
    ("Quand et à quel prix", ("frais_a_charge",), True),
    ("Pour quoi faire", ("services",), False),
    (
        "Plus de critères : publics, accompagnement, dispositifs",
        (
            "publics_specifiquement_adresses",
            "prise_en_charge_specifique",
            "modalites_accompagnement",
            "dispositif_programmes_nationaux",
        ),
        False,
    ),
)


def checkboxes(name: str, ticked: tuple[str, ...]) -> str:
    """The labelled checkboxes of the filter field ``name`` (``ticked``: its values checked),
    as Django's ``CheckboxSelectMultiple`` writes each input, without a template render per box
    (40 boxes were a fifth of the search page's server time)."""
    return format_html_join(
        "\n",
        '<label class="check"><input type="checkbox" name="{}" value="{}" id="id_{}_{}"{}> {}'
        "</label>",
        (
            (name, value, name, index, mark_safe(" checked") if value in ticked else "", value)
            for index, value in enumerate(FILTER_FIELDS[name][1])
        ),
    )


def filter_panel(form, asked: dict) -> str:
    """The form's filter fields by group, each with its checkboxes (``_filter_panel.html``):
    written once per set of values ticked (most searches tick none), the same for every
    search. ``asked``: ``asked_filters(form)``."""
    ticked = tuple(
        tuple(v for v in values if v in asked[name]) for name, (_, values) in FILTER_FIELDS.items()
    )
    open_now = bool(form.is_bound and form["ouvert_maintenant"].value())
    return response_cache.memo(
        "filter-panel", (ticked, open_now), lambda: _filter_panel(ticked, open_now)
    )


def radius_options(form) -> str:
    """The radius list's options, the one asked selected (none for a value not offered): written
    once per choice, the same for every search."""
    field = form.fields["rayon"]
    offered = [str(value) for value, _label in field.choices]
    chosen = str(form["rayon"].value())
    chosen = chosen if chosen in offered else ""
    return response_cache.memo(
        "radius-options",
        (chosen,),
        lambda: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, " selected" if str(value) == chosen else "", label)
                for value, label in field.choices
            ),
        ),
    )


def _filter_panel(ticked: tuple[tuple[str, ...], ...], open_now: bool) -> str:
    by_name = dict(zip(FILTER_FIELDS, ticked, strict=True))
    groups = [
        {
            "title": title,
            "fields": [
                {"label": FILTER_FIELDS[name][0], "checkboxes": checkboxes(name, by_name[name])}
                for name in names
                if name in FILTER_FIELDS
            ],
            "open_now": with_open_now,
        }
        for title, names, with_open_now in FILTER_GROUPS
    ]
    return render_to_string("places/_filter_panel.html", {"groups": groups, "open_now": open_now})


def chosen_filters(form, asked: dict) -> list[str]:
    """The values ticked, as the person reads them (shown while the filters are folded);
    ``asked``: ``asked_filters(form)``."""
    if not form.is_bound:
        return []
    chosen = ["Ouvert maintenant"] if form["ouvert_maintenant"].value() else []
    for name, (_, values) in FILTER_FIELDS.items():
        chosen += [v for v in asked[name] if v in values]
    return chosen


def asked_filters(form) -> dict[str, list[str] | tuple]:
    """The values the query gives each filter field, as its checkboxes read them (a list per
    name; none for a form not submitted), without a bound field per filter."""
    if not form.is_bound:
        return dict.fromkeys(FILTER_FIELDS, ())
    return {
        name: form.fields[name].widget.value_from_datadict(
            form.data, form.files, form.add_prefix(name)
        )
        or ()
        for name in FILTER_FIELDS
    }


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def search(request):
    """/lieux/: places around a commune or the user's position, nearest first. The same search
    is rendered once per data version, places' version (the keeper's decisions on records of
    one real place change the list, not the data version) and hour for anonymous visitors
    (``cached_page``): its opening hours are today's in each place's own time zone (every
    French one is a whole number of hours from UTC), to the minute when only the places open
    now are asked. A search from the visitor's own position (``lon``, ``lat``) is theirs alone:
    never kept (a page per position would fill the shared cache with pages nobody asks again,
    pushing out the tiles and coverage pages everyone asks)."""
    if not request.GET or "lon" in request.GET or "lat" in request.GET:
        return _search(request)
    clock = "%Y%m%d%H%M" if "ouvert_maintenant" in request.GET else "%Y%m%d%H"
    stamped = same_place.stamp()
    parts = (response_cache.version(), stamped[0], timezone.now().strftime(clock))
    return response_cache.cached_page(
        request, "search-page", parts, lambda: _search(request, stamped)
    )


def _search(request, stamped=None):
    data = None
    if request.GET:
        data = request.GET.copy()
        data.setdefault("rayon", str(DEFAULT_RADIUS_KM))  # a shared URL may omit it
    form = SearchForm(data)
    asked = asked_filters(form)
    context = {
        "form": form,
        "filter_panel": filter_panel(form, asked),
        "radius_options": radius_options(form),
        "chosen_filters": chosen_filters(form, asked),
    }
    if form.is_bound and form.is_valid() and form.origin is not None:
        data = form.cleaned_data
        place_filter = form.place_filter()
        # One statement reads the places' version (the key of their groups and cards) and the
        # search's matches, nearest first (ids and metres); the count, the page and one row per
        # real place come from that list; the page's cards are kept per places' version
        # (``search_results``), the others read in one query.
        row, matches = pages.nearest(place_filter, None if stamped else same_place.VERSION_SQL)
        stamped = stamped or same_place.stamp_of(row)
        groups = same_place.current(stamped)
        found = dict(matches)  # id -> metres, nearest first
        ids = same_place.keep_one_per_place(list(found), groups)
        page = Paginator(ids, PAGE_SIZE).get_page(data.get("page") or 1)
        shown = search_results.cards(list(page.object_list), groups, stamped[0])
        results = search_results.results(shown, found)
        api_query = {
            "near": f"{form.origin.x:.6f},{form.origin.y:.6f}",
            "radius_km": data["rayon"],
            **place_filter.lists,
        }
        if place_filter.open_now:
            api_query["ouvert_maintenant"] = "true"
        context.update(
            searched=True,
            page=page,
            results=results,
            commune=form.commune_found,
            radius_km=data["rayon"],
            map=search_map.results_map(results, form.origin, data["rayon"]),
            query=query_without_page(request),
            api_url="/api/v1/lieux/?" + urlencode(api_query, doseq=True),
        )
    return render(request, "places/search.html", context)


@require_GET
def commune_suggestions(request):
    """Suggestions as you type: communes by name, postal code or INSEE code (JSON)."""
    text = request.GET.get("q", "")[:100].strip()
    if CONTROL_RE.search(text):
        return JsonResponse(
            {"error": "invalid_parameter", "parameters": {"q": ["caractère de contrôle interdit"]}},
            status=400,
        )
    if len(text) < 2:
        return JsonResponse({"results": []})
    communes = Commune.objects.search(text).filter(reference_point__isnull=False)[:10]
    return JsonResponse(
        {
            "results": [
                {
                    "code": c.code,
                    "nom": c.nom,
                    "departement": c.departement_id,
                    "codes_postaux": c.codes_postaux,
                    "label": suggestion_label(c),
                }
                for c in communes
            ]
        }
    )


def completion(place: Place) -> int:
    """Share of the standard's 32 fields this place fills, in percent (id and position count)."""
    filled = 1 + 2 * (place.location is not None)  # id, latitude, longitude
    filled += sum(1 for name in STANDARD_FIELDS if getattr(place, name) not in ("", None, []))
    return round(100 * filled / (len(STANDARD_FIELDS) + 3))


def sheet_rows(place: Place) -> list[tuple[str, object]]:
    """Every other field of the standard, labelled in plain French (empty ones left out)."""
    rows = [
        ("Présentation", place.presentation_detail),
        ("Type de structure", [standard.TYPOLOGIES.get(c, c) for c in place.typologie]),
        ("Structure parente", place.structure_parente),
        ("Publics accueillis en particulier", place.publics_specifiquement_adresses),
        ("Prise en charge spécifique", place.prise_en_charge_specifique),
        ("Frais à charge", place.frais_a_charge),
        ("Accompagnement", place.modalites_accompagnement),
        ("Dispositifs et programmes nationaux", place.dispositif_programmes_nationaux),
        ("Formations et labels", place.formations_labels + place.autres_formations_labels),
        ("Itinérance", place.itinerance),
        ("SIRET / RNA", place.pivot),
        ("Code INSEE de la commune", place.code_insee),
        # several records: named with their sources in their own section
        ("Source des données", place.source if len(getattr(place, "sources", ())) < 2 else ""),
    ]
    return [
        (label, ", ".join(value) if isinstance(value, list) else value)
        for label, value in rows
        if value
    ]


@require_GET
def detail(request, pk: int):
    """/lieux/<id>/: a place's sheet, printable."""
    groups = same_place.current()
    representative = groups.representative.get(pk)
    if representative is not None and representative != pk:
        return redirect("places:detail", representative)  # one sheet per real place
    place = get_object_or_404(Place.objects.public(), pk=pk)
    same_place.describe([place], groups)
    updated = place.date_maj
    stale = bool(updated and timezone.localdate() - updated > STALE_AFTER)
    small_map = None
    if place.location is not None:
        fmap = maps.base_map((place.location.y, place.location.x), 15, scroll_wheel_zoom=False)
        folium.Marker(
            (place.location.y, place.location.x),
            tooltip=maps.text(place.nom),
            icon=maps.point_icon(),
            keyboard=False,  # the sheet's one mark: its name and address are the page itself
        ).add_to(fmap)
        small_map = maps.embed(fmap)
    context = {
        "place": place,
        "week": readable_week(place.horaires, place.departement_code),
        "rows": sheet_rows(place),
        "completion": completion(place),
        "stale": stale,
        "map": small_map,
        "no_public": not place.receives_public,
        "departement": Departement.objects.filter(code=place.departement_code).first(),
        "sections": [html for section in SHEET_SECTIONS if (html := section(request, place))],
    }
    return render(request, "places/detail.html", context)


@require_GET
def departement_directory(request, departement: str):
    """/mon-reseau/<departement>/lieux/: the coordinators' directory, 20 per page."""
    if not DEPARTEMENT_RE.match(departement.upper()):
        raise Http404("Département inconnu.")
    dep = get_object_or_404(Departement, code=departement.upper())
    places = Place.objects.public().in_departement(dep.code)
    communes = Commune.objects.filter(
        code__in=places.values("commune_actuelle_id").distinct()
    ).order_by("nom")
    form = DirectoryForm(request.GET or None, communes=communes)
    if form.is_bound and not form.is_valid():
        queryset = places.none()
    elif form.is_bound:  # one row per real place among the matching records
        queryset = form.apply(places).one_per_place()
    else:
        queryset = places.one_per_place().order_by("nom", "id")
    page_number = form.cleaned_data.get("page") if form.is_bound and form.is_valid() else 1
    page = Paginator(queryset.select_related("commune_actuelle"), PAGE_SIZE).get_page(page_number)
    page.object_list = same_place.describe(list(page.object_list))
    context = {
        "departement": dep,
        "form": form,
        "page": page,
        "total": places.one_per_place().count(),
        "query": query_without_page(request),
    }
    return render(request, "places/departement.html", context)
