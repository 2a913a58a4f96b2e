"""The coverage of one département as a coordinator reads it: rows, summary, priorities, plan.

Used by the map page, the CSV/GeoJSON exports, the API summary and ``suggest_sites``. Figures for
everyone come from the stored coverage (``CommuneCoverage``, kept up to date by the writes,
``services.apply_pending``); "mon équipe" computes the same figures on the fly over the places
where the coordinator's team works, with the same engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import F

from geo_directory import cache
from geo_directory.territories.models import Departement

from . import services
from .models import Basis, CommuneCoverage, FragilityIndex
from .planning import Plan, suggest_sites
from .querysets import mediation_points


class UnknownDepartement(LookupError):
    pass


@dataclass
class DepartementCoverage:
    departement: Departement
    threshold_km: float
    basis: str
    rows: list[dict]
    team: bool = False

    @property
    def threshold_m(self) -> float:
        return self.threshold_km * 1000

    @classmethod
    def load(cls, code: str, threshold_km: float, basis: str = Basis.MEDIATORS, team_members=None):
        departement = Departement.objects.filter(code=code).first()
        if departement is None:
            raise UnknownDepartement(f"département inconnu « {code} »")
        threshold_m = threshold_km * 1000
        if team_members is None:
            rows = _stored_rows(code, basis, threshold_m)
        else:
            rows = _team_rows(code, team_members, threshold_m)
        return cls(departement, threshold_km, basis, rows, team=team_members is not None)

    def summary(self) -> dict:
        uncovered = [row for row in self.rows if not row["covered"]]
        population = sum(row["population"] or 0 for row in self.rows)
        uncovered_population = sum(row["population"] or 0 for row in uncovered)
        return {
            "communes": len(self.rows),
            "uncovered_communes": len(uncovered),
            "population": population,
            "uncovered_population": uncovered_population,
            "uncovered_population_pct": (
                round(100 * uncovered_population / population, 1) if population else 0.0
            ),
        }

    def national_summary(self) -> dict:
        return national_summary(self.basis, self.threshold_m)

    def priorities(self, sort: str = "population", order: str = "desc") -> list[dict]:
        """The uncovered communes, by ``sort`` (``population``, ``ifn`` or ``distance``; most
        first unless ``order`` is ``asc``), then by the others (population, IFN, distance) and
        the code. A missing IFN or distance comes last in either order."""
        keys = {
            "population": lambda r: r["population"] or 0,
            "ifn": lambda r: r["ifn"],
            "distance": lambda r: r["distance_m"],
        }
        sign = -1 if order == "desc" else 1

        def key(row):
            first = keys[sort](row)
            ties = [keys[name](row) for name in ("population", "ifn", "distance") if name != sort]
            return (
                first is None,
                sign * (first or 0),
                *[(value is None, -(value or 0)) for value in ties],
                row["code_insee"],
            )

        return sorted((row for row in self.rows if not row["covered"]), key=key)

    def plan(self, sites: int) -> Plan:
        uncovered = [row["code_insee"] for row in self.rows if not row["covered"]]
        return suggest_sites(self.departement.code, self.threshold_m, sites, uncovered)


def _cached(name: str, basis: str, threshold_m: float, compute):
    """Figures over all of France change only when the data does: kept by the one cache per
    data version, basis and threshold (in every worker's memory and on the shared disk)."""
    value, _ = cache.get_or_build(
        "coverage-figures", (cache.version(), name, basis, float(threshold_m)), compute
    )
    return value


def national_summary(basis: str, threshold_m: float) -> dict:
    return _cached(
        "france",
        basis,
        threshold_m,
        lambda: CommuneCoverage.objects.for_basis(basis).summary(threshold_m),
    )


def departement_rows(basis: str, threshold_m: float) -> list[dict]:
    """One row per département: communes, uncovered communes, population, uncovered people."""

    def compute():
        rows = []
        for row in CommuneCoverage.objects.for_basis(basis).by_departement(threshold_m):
            population = row["population"]
            rows.append(
                {
                    "code": row["commune__departement_id"],
                    "nom": row["commune__departement__nom"],
                    "communes": row["communes"],
                    "uncovered_communes": row["uncovered_communes"],
                    "population": population,
                    "uncovered_population": row["uncovered_population"],
                    "uncovered_population_pct": (
                        round(100 * row["uncovered_population"] / population, 1)
                        if population
                        else 0.0
                    ),
                }
            )
        return rows

    return _cached("departements", basis, threshold_m, compute)


def _ifn_by_code(codes) -> dict:
    return dict(FragilityIndex.objects.filter(code__in=codes).values_list("code", "total"))


def _stored_rows(code: str, basis: str, threshold_m: float) -> list[dict]:
    queryset = (
        CommuneCoverage.objects.for_basis(basis)
        .in_departement(code)
        .with_covered(threshold_m)
        .with_ifn()
        .order_by("commune_id")
        .values(
            "distance_m",
            "nearest_place_id",
            "has_place_inside",
            "ifn",
            code_insee=F("commune_id"),
            nom=F("commune__nom"),
            population=F("commune__population"),
            nearest_name=F("nearest_place__nom"),
            covered=F("is_covered"),
        )
    )
    return [dict(row) for row in queryset]


def _team_rows(code: str, team_members, threshold_m: float) -> list[dict]:
    Place = apps.get_model("places", "Place")
    codes, lon, lat = services._communes(code)
    ids, plon, plat = services._points(mediation_points(Basis.MEDIATORS, team_members))
    inside = services._containing_communes(ids)
    computed = services.coverage_rows(codes, lon, lat, ids, plon, plat, inside)
    names = dict(Place.objects.filter(pk__in=ids.tolist()).values_list("pk", "nom"))
    communes = dict(
        apps.get_model("territories", "Commune")
        .objects.filter(code__in=codes.tolist())
        .values_list("code", "nom")
    )
    populations = dict(
        apps.get_model("territories", "Commune")
        .objects.filter(code__in=codes.tolist())
        .values_list("code", "population")
    )
    ifn = _ifn_by_code(codes.tolist())
    rows = []
    for commune_code, distance, place_id, has_inside in computed:
        rows.append(
            {
                "code_insee": commune_code,
                "nom": communes[commune_code],
                "population": populations[commune_code],
                "distance_m": distance,
                "nearest_place_id": place_id,
                "nearest_name": names.get(place_id),
                "has_place_inside": has_inside,
                "covered": has_inside or (distance is not None and distance <= threshold_m),
                "ifn": ifn.get(commune_code),
            }
        )
    return rows
