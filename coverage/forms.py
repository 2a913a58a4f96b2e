"""The controls of the coverage pages, parsed from the URL (a view can be shared as a link)."""

from __future__ import annotations

import math

from django import forms

from .models import DEFAULT_THRESHOLD_KM, MAX_THRESHOLD_KM, MIN_THRESHOLD_KM, Basis
from .planning import MAX_SITES

PRESETS = [5, 10, 15, 20, 30]
BASIS_LABELS = [
    (Basis.MEDIATORS.value, "Lieux avec un médiateur actif"),
    (Basis.PLACES.value, "Tous les lieux recevant du public"),
]
# The priorities table's sorts (``?tri=…&ordre=…``, links in its headings): most first.
PRIORITY_SORTS = {"population": "population", "ifn": "IFN", "distance": "distance"}
SORTS = {
    "code": "code",
    "nom": "nom",
    "communes": "communes",
    "non_couvertes": "uncovered_communes",
    "population": "population",
    "population_non_couverte": "uncovered_population",
    "part": "uncovered_population_pct",
}


class CoverageForm(forms.Form):
    seuil = forms.TypedChoiceField(
        label="Seuil",
        choices=[(str(km), f"{km} km") for km in PRESETS] + [("autre", "autre…")],
        required=False,
        initial=str(DEFAULT_THRESHOLD_KM),
    )
    seuil_libre = forms.FloatField(
        label="Autre seuil (km)",
        required=False,
        min_value=MIN_THRESHOLD_KM,
        max_value=MAX_THRESHOLD_KM,
        widget=forms.NumberInput(attrs={"step": "0.5", "placeholder": "1 à 100"}),
    )
    base = forms.ChoiceField(
        label="Base", choices=BASIS_LABELS, required=False, initial=Basis.MEDIATORS.value
    )
    perimetre = forms.ChoiceField(
        label="Médiateurs",
        choices=[("tous", "Tout le monde"), ("equipe", "Mon équipe")],
        required=False,
        initial="tous",
    )
    sites = forms.IntegerField(
        label="Nouveaux sites", required=False, min_value=1, max_value=MAX_SITES, initial=3
    )
    tri = forms.ChoiceField(
        label="Trier les priorités par",
        choices=list(PRIORITY_SORTS.items()),
        required=False,
    )
    ordre = forms.ChoiceField(
        label="Ordre",
        choices=[("desc", "décroissant"), ("asc", "croissant")],
        required=False,
    )

    def clean_seuil_libre(self):
        value = self.cleaned_data.get("seuil_libre")
        if value is not None and not math.isfinite(value):
            raise forms.ValidationError("Un nombre de kilomètres est attendu.")
        return value

    @property
    def threshold_km(self) -> float:
        """A preset wins, unless "autre" is chosen (or no preset given) and a free value is set."""
        data = self.cleaned_data
        preset = data.get("seuil")
        if preset and preset != "autre":
            return float(preset)
        if data.get("seuil_libre") is not None:
            return data["seuil_libre"]
        return float(DEFAULT_THRESHOLD_KM)

    @property
    def basis(self) -> str:
        return self.cleaned_data.get("base") or Basis.MEDIATORS.value

    @property
    def team(self) -> bool:
        return self.cleaned_data.get("perimetre") == "equipe"

    @property
    def site_count(self) -> int:
        return self.cleaned_data.get("sites") or 3

    @property
    def priority_sort(self) -> tuple[str, str]:
        """(column, "desc" or "asc"): population, most first, unless the URL says otherwise."""
        return self.cleaned_data.get("tri") or "population", self.cleaned_data.get(
            "ordre"
        ) or "desc"


DEFAULTS = {"base": Basis.MEDIATORS.value, "perimetre": "tous", "sites": "3"}


def bound_form(form_class, query):
    """The form bound to the URL's parameters over the defaults, and the errors if any (then the
    form falls back to the defaults so the page still shows figures)."""
    data = {**DEFAULTS, **{key: value for key, value in query.items() if value != ""}}
    if "seuil" not in data:
        data["seuil"] = "autre" if "seuil_libre" in data else str(DEFAULT_THRESHOLD_KM)
    form = form_class(data)
    if form.is_valid():
        return form, None
    errors = form.errors
    fallback = form_class({**DEFAULTS, "seuil": str(DEFAULT_THRESHOLD_KM)})
    fallback.is_valid()
    return fallback, errors


class NationalForm(forms.Form):
    seuil_libre = CoverageForm.base_fields["seuil_libre"]
    seuil = CoverageForm.base_fields["seuil"]
    base = CoverageForm.base_fields["base"]
    tri = forms.ChoiceField(choices=[(k, k) for k in SORTS], required=False)
    ordre = forms.ChoiceField(choices=[("asc", "asc"), ("desc", "desc")], required=False)

    threshold_km = CoverageForm.threshold_km
    basis = CoverageForm.basis
