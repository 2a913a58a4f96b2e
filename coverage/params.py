"""The communes layer's parameters, declared once: the API (``coverage.api``), the vector tiles
(``tiles.views``) and OGC API - Features (``ogc.layers``) validate with these serializers, and
``/api/schema/`` and ``/ogc/api`` document them from the same fields (range, default, choices).

Parameters come from a query string, where ``name=`` is a value, not an absence: an empty value
is refused with a 400 naming the parameter (DRF reads a ``QueryDict`` as an HTML form, where an
empty value of an optional field counts as absent).
"""

from __future__ import annotations

import math

from rest_framework import serializers

from geo_directory.territories.models import Departement
from places.filters import MAX_PAGE, PageNumber

from .models import DEFAULT_THRESHOLD_KM, MAX_THRESHOLD_KM, MIN_THRESHOLD_KM, Basis

EMPTY = "Valeur vide : donnez une valeur ou retirez le paramètre."


class QueryParameters(serializers.Serializer):
    """Read from a query string (a ``QueryDict``, last value of each name) or a plain mapping;
    any parameter given with an empty value is refused, naming it."""

    def to_internal_value(self, data):
        if hasattr(data, "lists"):
            empty = [name for name, values in data.lists() if any(not v.strip() for v in values)]
            data = {name: data[name] for name in data}
        else:
            empty = [name for name, value in data.items() if isinstance(value, str)]
            empty = [name for name in empty if not data[name].strip()]
        if empty:
            raise serializers.ValidationError({name: [EMPTY] for name in empty})
        return super().to_internal_value(data)


THRESHOLD_STEP_KM = 0.5


def quantised_threshold(km: float) -> float:
    """``km`` rounded to the nearest ``THRESHOLD_STEP_KM`` (halves up): the layer has at most a
    few hundred variants, so random thresholds share cached answers and tiles."""
    return math.floor(km / THRESHOLD_STEP_KM + 0.5) * THRESHOLD_STEP_KM


class ThresholdField(serializers.FloatField):
    """Kilometres, checked against the range as given, then quantised."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("Un nombre de kilomètres est attendu.")
        return value

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        return None if value is None else quantised_threshold(float(value))


class CoverageParams(QueryParameters):
    """What a layer's rows depend on (``COMMUNES.rows(basis, threshold_km)``)."""

    threshold_km = ThresholdField(
        default=DEFAULT_THRESHOLD_KM,
        min_value=MIN_THRESHOLD_KM,
        max_value=MAX_THRESHOLD_KM,
        help_text=f"Seuil T en km, de {MIN_THRESHOLD_KM} à {MAX_THRESHOLD_KM} (défaut "
        f"{DEFAULT_THRESHOLD_KM}), arrondi à 0,5 km près (7,3 → 7,5 ; 7,2 → 7) : une commune "
        "est couverte si un point de médiation est dans la commune ou à au plus T km de son "
        "point de référence.",
    )
    basis = serializers.ChoiceField(
        choices=Basis.choices,
        default=Basis.MEDIATORS,
        help_text="`mediators` (défaut) : lieux recevant du public avec au moins un médiateur ou "
        "conseiller numérique actif ; `places` : tous les lieux recevant du public.",
    )


COMMUNES_PAGE_SIZE = 1000  # a département's communes fit one page (at most ~900)


class CommuneListParams(CoverageParams):
    """``/api/v1/communes/``: the layer's parameters, its two filters and its pages (as
    ``/api/v1/lieux/``: ``page``, ``page_size`` at most 1000, ``links`` rel=next and prev)."""

    page = PageNumber(min_value=1, max_value=MAX_PAGE, default=1, help_text="Page, à partir de 1.")
    page_size = PageNumber(
        min_value=1,
        max_value=COMMUNES_PAGE_SIZE,
        default=COMMUNES_PAGE_SIZE,
        help_text=f"Communes par page, défaut et maximum {COMMUNES_PAGE_SIZE} (toutes celles "
        "d'un département tiennent dans une page ; la France entière en demande 35, suivez "
        "les liens `next`, ou lisez la collection OGC API - Features `communes`).",
    )

    departement = serializers.CharField(
        required=False, max_length=3, help_text="Code du département (04, 2A, 974…)."
    )
    covered = serializers.BooleanField(
        required=False,
        default=None,
        help_text="`true` : communes couvertes ; `false` : les autres.",
    )

    def validate_departement(self, value):
        value = value.strip().upper()
        if not Departement.objects.filter(code=value).exists():
            raise serializers.ValidationError(f"Département inconnu : « {value} ».")
        return value
