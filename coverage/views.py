"""Coverage pages (French): the national table and a département's map, with exports. Thin."""

from __future__ import annotations

import json

from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from actors import permissions
from actors.models import Actor
from geo_directory import cache as response_cache
from geo_directory import conditional
from geo_directory.geojson import MEDIA_TYPE, ForcePolygonCCW, feature_collection
from geo_directory.spreadsheet import SpreadsheetWriter
from geo_directory.territories.models import Departement
from places import maps as place_maps

from . import maps, reports
from .forms import PRIORITY_SORTS, SORTS, CoverageForm, NationalForm, bound_form
from .models import CommuneShape
from .querysets import mediation_points
from .reports import DepartementCoverage

PRIORITIES_SHOWN = 30


def _team_members(request):
    """The coordinator allowed the "mon équipe" view (``actors.permissions``, the rule of the
    team pages: validated) and their team members, else (None, None)."""
    coordinator = permissions.team_coverage_coordinator(request.user)
    if coordinator is None:
        return None, None
    return coordinator, Actor.objects.team_of(coordinator)


def _load(request, code, both: bool = False):
    """The form, its errors, the coverage view asked for and, for a coordinator (with ``both``:
    "mon équipe" beside "tout le monde"), the other one: ``(form, errors, view, everyone, mine,
    coordinator, team)``. ``everyone`` is the coverage by all mediators; ``mine`` the team's,
    or None for anyone else."""
    departement = get_object_or_404(Departement, code=code.upper())
    form, errors = bound_form(CoverageForm, request.GET)
    coordinator, team = _team_members(request)
    everyone = DepartementCoverage.load(departement.code, form.threshold_km, form.basis)
    mine = None
    if coordinator is not None and (both or form.team):
        # computed on the fly (a third of a second): kept per data version and members (the
        # version does not follow team memberships)
        members = tuple(team.order_by("pk").values_list("pk", flat=True))
        parts = (response_cache.version(), members, departement.code, form.threshold_km)
        mine, _ = response_cache.get_or_build(
            "coverage-team",
            (*parts, form.basis),
            lambda: DepartementCoverage.load(departement.code, form.threshold_km, form.basis, team),
            shared=False,
            part=True,
        )
    view = mine if (form.team and mine is not None) else everyone
    return form, errors, view, everyone, mine, coordinator, team


def departement_map(request, code: str):
    """A département's map. Anonymous visitors share one rendering per coverage version and
    query (building the folium map takes most of a second at national scale: uncached, a few
    visitors would hold both sync workers)."""
    return response_cache.cached_page(
        request,
        "coverage-departement-page",
        (response_cache.version(),),
        lambda: _departement_page(request, code),
    )


def _departement_page(request, code: str):
    form, errors, view, everyone, mine, coordinator, team = _load(request, code, both=True)
    plan = view.plan(form.site_count)
    # the team's points on its own map only: "tout le monde" shows every mediation point
    points = maps.mediation_points_to_show(
        view, mediation_points(view.basis, team if view.team else None)
    )
    other_points = ()
    if view.team:
        shown = {point[0] for point in points}
        all_points = maps.mediation_points_to_show(everyone, mediation_points(everyone.basis))
        other_points = [point for point in all_points if point[0] not in shown]
    shapes_url = reverse("coverage:communes-geojson", args=[view.departement.code])
    fmap = maps.build(
        view,
        points,
        plan,
        shapes_url=f"{shapes_url}?v={response_cache.version().number}",
        everyone=everyone if view.team else None,
        other_points=other_points,
    )
    # The page's own settings (not the sort), carried by its links and forms.
    kept = {"seuil", "seuil_libre", "base", "sites"} | ({"perimetre"} if coordinator else set())
    params = {k: v for k, v in request.GET.items() if v and k in kept}
    sort, order = form.priority_sort
    priorities = view.priorities(sort, order)
    context = {
        "departement": view.departement,
        "form": form,
        "errors": errors,
        "view": view,
        "summary": view.summary(),
        "everyone_summary": everyone.summary(),
        "team_summary": mine.summary() if mine is not None else None,
        "only_others": _only_others(mine, everyone) if mine is not None else 0,
        "national": view.national_summary(),
        "priorities": priorities[:PRIORITIES_SHOWN],
        "priority_count": len(priorities),
        "priority_columns": _priority_columns(params, sort, order),
        "sort_params": sorted(params.items()),
        "sort": sort,
        "order": order,
        "plan": plan,
        "legend": maps.legend(view.threshold_km, team=view.team),
        "map": place_maps.embed(fmap),
        "coordinator": coordinator,
        "query": urlencode({**params, "tri": sort, "ordre": order}),
        "team_url": "?" + urlencode({**params, "perimetre": "equipe"}),
        "everyone_url": "?" + urlencode({**params, "perimetre": "tous"}),
        "point_count": len(points),
        "other_point_count": len(other_points),
    }
    return render(request, "coverage/departement.html", context, status=400 if errors else 200)


def communes_geojson(request, code: str):
    """The shapes of a département's communes that its map fetches (``maps.communes_shapes``):
    one body per data version for every threshold, basis and view, in every worker's memory
    and on the shared disk, revalidated by its ETag (a 304 costs two single-row reads)."""
    departement = get_object_or_404(Departement, code=code.upper())
    version = response_cache.version()
    etag = conditional.etag_for("coverage-shapes", version.number, departement.code)

    def build():
        body, _ = response_cache.get_or_build(
            "coverage-shapes", (version, departement.code), lambda: maps.communes_shapes(code)
        )
        return HttpResponse(body, content_type=MEDIA_TYPE)

    return conditional.respond(request, etag, version.changed_at, build)


def _only_others(mine, everyone) -> int:
    """Communes covered by other mediators but not by the team."""
    team_covered = {row["code_insee"] for row in mine.rows if row["covered"]}
    return sum(1 for r in everyone.rows if r["covered"] and r["code_insee"] not in team_covered)


def _priority_columns(params: dict, sort: str, order: str) -> dict:
    """For each sortable column, its link (works without JS) and its ``aria-sort``: a click
    sorts by it, most first; a second click reverses the order. The link ends on the table."""
    columns = {}
    for key in PRIORITY_SORTS:
        next_order = "asc" if (key == sort and order == "desc") else "desc"
        query = urlencode({**params, "tri": key, "ordre": next_order})
        current = {"desc": "descending", "asc": "ascending"}[order] if key == sort else ""
        columns[key] = {"url": f"?{query}#priorites", "aria_sort": current}
    return columns


def priorities_csv(request, code: str):
    """The priorities for a meeting, in the French spreadsheet convention (``;``, UTF-8 with a
    BOM, decimal comma: French Excel opens it as columns, accents intact), in the page's order."""
    form, errors, view, *_ = _load(request, code)
    if errors:
        return HttpResponse(_error_text(errors), status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"priorites-{view.departement.code}-{view.threshold_km:g}km.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = SpreadsheetWriter(response)
    writer.writerow(
        ["rang", "code_insee", "nom", "population", "ifn", "distance_km", "point_le_plus_proche"]
    )
    for rank, row in enumerate(view.priorities(*form.priority_sort), start=1):
        writer.writerow(
            [
                rank,
                row["code_insee"],
                row["nom"],
                row["population"],
                "" if row["ifn"] is None else round(row["ifn"], 2),
                "" if row["distance_m"] is None else round(row["distance_m"] / 1000, 1),
                row["nearest_name"] or "",
            ]
        )
    return response


def priorities_geojson(request, code: str):
    form, errors, view, *_ = _load(request, code)
    if errors:
        return HttpResponse(_error_text(errors), status=400, content_type="text/plain")
    ranked = view.priorities(*form.priority_sort)
    shapes = CommuneShape.objects.filter(commune_id__in=[r["code_insee"] for r in ranked])
    collection = json.loads(
        feature_collection(
            shapes,
            geometry=ForcePolygonCCW(F("geom")),
            id_field="commune_id",
            precision=5,
            properties={},
        )
    )
    by_code = {feature["id"]: feature for feature in collection["features"]}
    features = []
    for rank, row in enumerate(ranked, start=1):
        feature = by_code.get(row["code_insee"])
        if feature is None:
            continue
        feature["properties"] = {
            "rang": rank,
            "code_insee": row["code_insee"],
            "nom": row["nom"],
            "population": row["population"],
            "ifn": row["ifn"],
            "distance_m": None if row["distance_m"] is None else round(row["distance_m"]),
            "nearest_place_id": row["nearest_place_id"],
        }
        features.append(feature)
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    response = HttpResponse(body, content_type=MEDIA_TYPE)
    name = f"priorites-{view.departement.code}-{view.threshold_km:g}km.geojson"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _error_text(errors) -> str:
    return "\n".join(f"{field} : {' '.join(messages)}" for field, messages in errors.items())


def national(request):
    form, errors = bound_form(NationalForm, request.GET)
    threshold_m = form.threshold_km * 1000
    rows = list(reports.departement_rows(form.basis, threshold_m))
    sort = form.cleaned_data.get("tri") or "population_non_couverte"
    order = form.cleaned_data.get("ordre") or ("asc" if sort in ("code", "nom") else "desc")
    rows.sort(key=lambda r: r[SORTS[sort]], reverse=order == "desc")
    params = {"seuil_libre": f"{form.threshold_km:g}", "base": form.basis}
    context = {
        "form": form,
        "errors": errors,
        "rows": rows,
        "france": reports.national_summary(form.basis, threshold_m),
        "sort": sort,
        "order": order,
        "params": urlencode(params),
        "threshold_km": form.threshold_km,
        "basis": form.basis,
        "columns": [
            ("code", "Code"),
            ("nom", "Département"),
            ("communes", "Communes"),
            ("non_couvertes", "Communes non couvertes"),
            ("population", "Population"),
            ("population_non_couverte", "Population non couverte"),
            ("part", "Part non couverte"),
        ],
    }
    return render(request, "coverage/national.html", context, status=400 if errors else 200)
