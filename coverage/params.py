"""Parsing of the coverage parameters shared by the API and the pages (400 names the parameter)."""

from __future__ import annotations

import math

from rest_framework import serializers

from geo_directory.territories.models import Departement

from .models import DEFAULT_THRESHOLD_KM, MAX_THRESHOLD_KM, MIN_THRESHOLD_KM, Basis


class ThresholdField(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("Un nombre de kilomètres est attendu.")
        return value


class CoverageParams(serializers.Serializer):
    threshold_km = ThresholdField(
        default=DEFAULT_THRESHOLD_KM,
        min_value=MIN_THRESHOLD_KM,
        max_value=MAX_THRESHOLD_KM,
        help_text=f"Seuil en km, de {MIN_THRESHOLD_KM} à {MAX_THRESHOLD_KM} (défaut 10).",
    )
    basis = serializers.ChoiceField(choices=Basis.choices, default=Basis.MEDIATORS)


class CommuneListParams(CoverageParams):
    departement = serializers.CharField(required=False, max_length=3)
    covered = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate_departement(self, value):
        value = value.strip().upper()
        if not Departement.objects.filter(code=value).exists():
            raise serializers.ValidationError(f"Département inconnu : « {value} ».")
        return value
