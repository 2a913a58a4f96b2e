"""What the national map page (``/tiles/``) needs besides the tiles: its controls (threshold and
basis, read like the coverage pages' own), where each département lies (to go to one), and the
overseas territories, most uncovered people first (La Réunion on the demo), since a map of
France centred on the mainland never shows them."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from django.contrib.gis.db.models import Extent
from django.urls import reverse
from django.utils.http import urlencode

from coverage import reports
from coverage.forms import BASIS_LABELS, NationalForm, bound_form
from coverage.params import quantised_threshold
from geo_directory import cache
from geo_directory.territories.models import Commune, Departement

# Overseas départements: their extent when nothing of them is loaded (lon/lat, WGS84).
OVERSEAS = {
    "971": ("Guadeloupe", (-61.81, 15.83, -61.0, 16.52)),
    "972": ("Martinique", (-61.23, 14.39, -60.81, 14.88)),
    "973": ("Guyane", (-54.61, 2.11, -51.61, 5.75)),
    "974": ("La Réunion", (55.21, -21.39, 55.84, -20.87)),
    "976": ("Mayotte", (45.01, -13.0, 45.3, -12.63)),
}
METROPOLE = ("France métropolitaine", (-5.2, 41.3, 9.6, 51.1))


@dataclass
class Territory:
    code: str
    nom: str
    bounds: tuple[float, float, float, float]
    loaded: bool
    uncovered_population: int = 0

    @property
    def label(self) -> str:
        return f"{self.code} — {self.nom}"


def _round(box) -> tuple[float, ...]:
    return tuple(round(value, 3) for value in box)


def departement_bounds() -> dict[str, Territory]:
    """Every département with where it lies: its outline's extent, else its communes', else
    (overseas) a known extent; cached per data version."""

    def build():
        outlines = {
            d.code: (d.nom, d.geom.extent if d.geom else None)
            for d in Departement.objects.order_by("code")
        }
        communes = dict(
            (row["departement_id"], row["box"])
            for row in Commune.objects.values("departement_id").annotate(box=Extent("geom"))
        )
        territories = {}
        for code, (nom, extent) in outlines.items():
            box = extent or communes.get(code) or OVERSEAS.get(code, (None, None))[1]
            if box is None:
                continue
            territories[code] = Territory(code, nom, _round(box), code in communes)
        return territories

    return cache.get_or_build(
        "national-map-bounds", (cache.version(),), build, shared=False, part=True
    )[0]


def page_context(request) -> dict:
    form, errors = bound_form(NationalForm, request.GET)
    threshold = quantised_threshold(form.threshold_km)
    basis = form.basis
    territories = departement_bounds()
    uncovered = {
        row["code"]: row["uncovered_population"]
        for row in reports.departement_rows(basis, threshold * 1000)
    }
    overseas = []
    for code, (nom, box) in OVERSEAS.items():
        territory = territories.get(code) or Territory(code, nom, box, False)
        overseas.append(replace(territory, uncovered_population=uncovered.get(code, 0)))
    overseas.sort(key=lambda t: (-t.uncovered_population, t.code))
    chosen = (request.GET.get("departement") or "").strip().upper()
    start = territories.get(chosen)
    variant = {"threshold_km": f"{threshold:g}", "basis": basis}
    return {
        "form": form,
        "errors": errors,
        "threshold_km": threshold,
        "basis": basis,
        "basis_label": dict(BASIS_LABELS)[basis],
        "departements": sorted(territories.values(), key=lambda t: t.code),
        "overseas": overseas,
        "start": start,
        "unknown_departement": chosen if chosen and start is None else "",
        "metropole": {"nom": METROPOLE[0], "bounds": json.dumps(list(METROPOLE[1]))},
        "tiles": {
            "communes": reverse("tiles:tilejson", args=["communes"]) + "?" + urlencode(variant),
            "lieux": reverse("tiles:tilejson", args=["lieux"]) + "?" + urlencode({"basis": basis}),
        },
        "coverage_url": reverse("coverage:national")
        + "?"
        + urlencode({"seuil": "autre", "seuil_libre": f"{threshold:g}", "base": basis}),
    }
