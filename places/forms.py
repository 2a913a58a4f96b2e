"""Forms of the place pages. They parse the URL and turn it into the same ``PlaceFilter`` the
API's ``PlaceFilterSet`` gives, applied by that FilterSet's filters, so a page and the API
answer a search the same way."""

from __future__ import annotations

import math
from collections.abc import Callable

from django import forms
from django.contrib.gis.geos import Point
from django.db.models import F

from geo_directory.territories.models import Commune

from . import standard
from .filter_fields import Near
from .filters import PlaceFilter, SharedFields

RADII_KM = (5, 10, 20, 30, 50, 100)
DEFAULT_RADIUS_KM = 20
PAGE_SIZE = 20
POSITION_ERROR = {"invalid": "Position invalide : longitude et latitude en degrés attendues."}

FILTER_FIELDS = {
    "services": ("Services", standard.SERVICES),
    "publics_specifiquement_adresses": ("Publics", standard.PUBLICS_SPECIFIQUEMENT_ADRESSES),
    "prise_en_charge_specifique": (
        "Prise en charge spécifique",
        standard.PRISE_EN_CHARGE_SPECIFIQUE,
    ),
    "frais_a_charge": ("Frais", standard.FRAIS_A_CHARGE),
    "dispositif_programmes_nationaux": (
        "Dispositifs et programmes",
        standard.DISPOSITIF_PROGRAMMES_NATIONAUX,
    ),
    "modalites_accompagnement": ("Accompagnement", standard.MODALITES_ACCOMPAGNEMENT),
}


def _pairs(values) -> Callable[[], list[tuple[str, str]]]:
    """A filter field's choices, as a callable: Django normalizes a list of choices (each of
    its ~60 pairs through pattern matching) for every form made, a callable's only when they
    are iterated (validating a value ticked). That was a tenth of a search page's time."""
    pairs = [(v, v) for v in values]
    return lambda: pairs


FILTER_CHOICES = {name: _pairs(values) for name, (_, values) in FILTER_FIELDS.items()}


def suggestion_label(commune: Commune) -> str:
    return f"{commune.nom} ({commune.departement_id})"


def find_commune(text: str) -> Commune | None:
    """The commune meant by a name, "Name (04)", a postal code or an INSEE code (old ones too)."""
    return (
        Commune.objects.filter(reference_point__isnull=False)
        .only("code", "nom", "departement_id", "population", "reference_point")
        .find(text)
    )


class SearchForm(forms.Form):
    commune = forms.CharField(
        label="Commune, code postal ou code INSEE",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "list": "commune-suggestions",
                "placeholder": "Barcelonnette",
            }
        ),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, error_messages=POSITION_ERROR)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, error_messages=POSITION_ERROR)
    rayon = forms.TypedChoiceField(
        label="Rayon",
        choices=[(r, f"{r} km") for r in RADII_KM],
        coerce=int,
        initial=DEFAULT_RADIUS_KM,
        required=False,
    )
    ouvert_maintenant = forms.BooleanField(label="Ouvert maintenant", required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_found: Commune | None = None

    def filter_fields(self):
        return [self[name] for name in FILTER_FIELDS]

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if lon is not None and lat is not None:
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise forms.ValidationError("Position invalide.")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise forms.ValidationError("Position hors des limites (longitude, latitude).")
            data["origin"] = Point(lon, lat, srid=4326)
        elif data.get("commune"):
            commune = find_commune(data["commune"])
            if commune is None:
                self.add_error("commune", f"Aucune commune ne correspond à « {data['commune']} ».")
                return data
            self.commune_found = commune
            data["origin"] = commune.reference_point
        data["rayon"] = data.get("rayon") or DEFAULT_RADIUS_KM
        return data

    @property
    def origin(self) -> Point | None:
        return self.cleaned_data.get("origin") if self.is_valid() else None

    def place_filter(self) -> PlaceFilter:
        """The search as the FilterSet's cleaned values (by API parameter name)."""
        data = self.cleaned_data
        return PlaceFilter(
            {
                "near": Near.around(data["origin"], data["rayon"]),
                **{name: data[name] for name in FILTER_FIELDS if data.get(name)},
                # as the API's own cleaned values: absent when not asked
                **({"ouvert_maintenant": True} if data.get("ouvert_maintenant") else {}),
            }
        )

    def active_filter_count(self) -> int:
        if not self.is_bound or not self.is_valid():
            return 0
        data = self.cleaned_data
        return sum(len(data.get(name) or []) for name in FILTER_FIELDS) + bool(
            data.get("ouvert_maintenant")
        )


# The filters' checkboxes after the declared fields; every form shares these declarations (no
# request changes them), as the API's form does: Django deep-copied the fields, and built the
# eight filter fields again, for each request (a sixth of the search form's time).
SearchForm.base_fields = SharedFields(
    {
        **SearchForm.base_fields,
        **{
            name: forms.MultipleChoiceField(
                label=label,
                choices=FILTER_CHOICES[name],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            for name, (label, _values) in FILTER_FIELDS.items()
        },
    }
)


class DirectoryForm(forms.Form):
    """The coordinators' directory of a département: text search, commune, sort."""

    SORTS = {"nom": ("nom", "id"), "maj": (F("date_maj").desc(nulls_last=True), "nom", "id")}

    q = forms.CharField(label="Rechercher", max_length=100, required=False)
    commune = forms.ChoiceField(label="Commune", required=False)
    tri = forms.ChoiceField(
        label="Trier par",
        choices=[("nom", "Nom"), ("maj", "Date de mise à jour")],
        required=False,
    )
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "Toutes les communes")] + [
            (c.code, c.nom) for c in communes
        ]

    def apply(self, queryset):
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.search(data["q"])
        if data.get("commune"):
            queryset = queryset.in_commune(data["commune"])
        return queryset.order_by(*self.SORTS[data.get("tri") or "nom"])
