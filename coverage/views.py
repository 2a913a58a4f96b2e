"""Coverage pages (French): the national table and a département's map, with exports. Thin."""

from __future__ import annotations

import json

from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode

from actors import permissions
from actors.models import Actor
from geo_directory import cache as response_cache
from geo_directory.geojson import MEDIA_TYPE, ForcePolygonCCW, feature_collection
from geo_directory.spreadsheet import SpreadsheetWriter
from geo_directory.territories.models import Departement
from places import maps as place_maps

from . import maps, reports
from .forms import SORTS, CoverageForm, NationalForm, bound_form
from .models import CommuneShape
from .querysets import mediation_points
from .reports import DepartementCoverage

PRIORITIES_SHOWN = 30


def _team_members(request, form):
    """The coordinator allowed the "mon équipe" view (``actors.permissions``, the rule of the
    team pages: validated) and, when that view is asked for, their team members."""
    coordinator = permissions.team_coverage_coordinator(request.user)
    if not form.team or coordinator is None:
        return coordinator, None
    return coordinator, Actor.objects.team_of(coordinator)


def _load(request, code):
    """The form, its errors, the coverage view, the coordinator and the team members."""
    departement = get_object_or_404(Departement, code=code.upper())
    form, errors = bound_form(CoverageForm, request.GET)
    coordinator, team = _team_members(request, form)
    view = DepartementCoverage.load(departement.code, form.threshold_km, form.basis, team)
    return form, errors, view, coordinator, team


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
    form, errors, view, coordinator, team = _load(request, code)
    plan = view.plan(form.site_count)
    points = maps.mediation_points_to_show(view, mediation_points(view.basis, team))
    fmap = maps.build(view, points, plan)
    query = urlencode({k: v for k, v in request.GET.items() if v})
    context = {
        "departement": view.departement,
        "form": form,
        "errors": errors,
        "view": view,
        "summary": view.summary(),
        "national": view.national_summary(),
        "priorities": view.priorities()[:PRIORITIES_SHOWN],
        "priority_count": sum(1 for row in view.rows if not row["covered"]),
        "plan": plan,
        "legend": maps.legend(view.threshold_km),
        "map": place_maps.embed(fmap),
        "coordinator": coordinator,
        "query": query,
        "point_count": len(points),
    }
    return render(request, "coverage/departement.html", context, status=400 if errors else 200)


def priorities_csv(request, code: str):
    _, errors, view, _, _ = _load(request, code)
    if errors:
        return HttpResponse(_error_text(errors), status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"priorites-{view.departement.code}-{view.threshold_km:g}km.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = SpreadsheetWriter(response)
    writer.writerow(
        ["rang", "code_insee", "nom", "population", "ifn", "distance_m", "point_le_plus_proche"]
    )
    for rank, row in enumerate(view.priorities(), start=1):
        writer.writerow(
            [
                rank,
                row["code_insee"],
                row["nom"],
                row["population"],
                "" if row["ifn"] is None else round(row["ifn"], 2),
                "" if row["distance_m"] is None else round(row["distance_m"]),
                row["nearest_name"] or "",
            ]
        )
    return response


def priorities_geojson(request, code: str):
    _, errors, view, _, _ = _load(request, code)
    if errors:
        return HttpResponse(_error_text(errors), status=400, content_type="text/plain")
    ranked = view.priorities()
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
