"""The places layer's query parameters, declared once: ``PlaceFilterSet`` (django-filter).

From it come the API's validation, its 400 messages (``{"error": "invalid_parameter",
"parameters": {name: [reason]}}``) and the parameters of ``/api/schema/`` (drf-spectacular's
django-filter extension reads ``filterset_class``). ``page``/``page_size`` are pagination, not
filters: ``PageParameters`` declares them (drf-spectacular documents a serializer given as
parameters), and the FilterSet validates them with the rest, so one gate refuses what no
declaration names, empty values and control characters, naming the parameter.

``PlaceFilter`` is the validated search the FilterSet gives (its cleaned values, the page asked
for); ``apply`` narrows a queryset through the FilterSet's filters, which call the queryset
methods. The public search page (``places.forms``) builds one from its own form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django.http import QueryDict
from django_filters.utils import translate_validation
from rest_framework import serializers

from geo_directory.territories.models import CommuneAlias, Departement

from .filter_fields import (
    AnyOfFilter,
    BBoxFilter,
    CommuneFilter,
    DepartementFilter,
    Near,
    NearFilter,
    OpenNowFilter,
    RadiusFilter,
    TextSearchFilter,
)
from .models import Place
from .querysets import LIST_FIELDS

DEFAULT_RADIUS_KM = 20
MAX_RADIUS_KM = 100
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000
MAX_TEXT = 100
DEPARTEMENT_RE = re.compile(r"^(\d{2}|2[AB]|97\d)$")
CODE_INSEE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMPTY = "valeur vide : donnez une valeur ou retirez le paramètre"
LIST_HELP = (
    "Valeur de la liste du standard ; répéter le paramètre ou séparer par | ; un lieu est "
    "retenu s'il a au moins une des valeurs."
)


def known_departement(code: str) -> str | None:
    return code if Departement.objects.filter(code=code).exists() else None


class PageNumber(serializers.IntegerField):
    """ASCII digits only (``int()`` would take "١", " 5", "1_0")."""

    def __init__(self, **kwargs):
        low, high = kwargs["min_value"], kwargs["max_value"]
        message = f"entier entre {low} et {high} attendu"
        messages = {"invalid": message, "min_value": message, "max_value": message}
        super().__init__(error_messages=messages, **kwargs)

    def to_internal_value(self, data):
        if not re.fullmatch(r"[0-9]{1,7}", str(data).strip()):
            self.fail("invalid")
        return super().to_internal_value(data)


class PageParameters(serializers.Serializer):
    """The pagination of ``/api/v1/lieux/`` (documented as query parameters)."""

    page = PageNumber(min_value=1, max_value=MAX_PAGE, default=1, help_text="Page, à partir de 1.")
    page_size = PageNumber(
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=DEFAULT_PAGE_SIZE,
        help_text=f"Lieux par page, défaut {DEFAULT_PAGE_SIZE}, au plus {MAX_PAGE_SIZE}.",
    )


PAGE_FIELDS = PageParameters._declared_fields  # the declarations (name -> field), not copies
PLAIN_PAGE_RE = re.compile(r"[0-9]{1,7}")


def plain_pages(data) -> dict | None:
    """``page``/``page_size`` as ``PageParameters`` validates them, when each is absent
    (its default) or ASCII digits within its range; None otherwise (the serializer says why)."""
    values = {}
    for name, declared in PAGE_FIELDS.items():
        if name not in data:
            values[name] = declared.default
            continue
        text = data[name].strip()
        if not PLAIN_PAGE_RE.fullmatch(text):
            return None
        number = int(text)
        if not declared.min_value <= number <= declared.max_value:
            return None
        values[name] = number
    return values


# Parameters of the request that are neither filters nor pagination (content negotiation).
REQUEST_PARAMETERS = ("format",)


class SharedFields(dict):
    """A form's fields that every request shares: Django deep-copies ``base_fields`` for each
    form (so that an instance may change its own); these declarations are never changed by a
    request, and copying the list fields' choices cost more than the SQL of a page."""

    def __deepcopy__(self, memo):
        return dict(self)


class PlaceQueryForm(forms.Form):
    """The FilterSet's form: ``radius_km`` goes with ``near``.

    A parameter the query does not hold is cleaned once per form class (what its field gives
    for no value), not once per request: a request names two or three of the seventeen."""

    def _clean_fields(self):
        absent = self._absent_values()
        for name in self.fields:
            if name in absent and self.add_prefix(name) not in self.data:
                value = absent[name]  # a list is the request's own; None or "" is shared
                self.cleaned_data[name] = value.copy() if isinstance(value, list) else value
                continue
            bf = self[name]
            try:
                self.cleaned_data[name] = bf.field._clean_bound_field(bf)
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as error:
                self.add_error(name, error)

    @classmethod
    def _absent_values(cls) -> dict:
        if "_absent" not in cls.__dict__:
            empty = cls()
            absent = {}
            for name, field in empty.fields.items():
                value = field.widget.value_from_datadict(QueryDict(), {}, name)
                try:
                    absent[name] = field.clean(value)
                except ValidationError:
                    continue  # a required parameter: cleaned (and refused) per request
            cls._absent = absent
        return cls._absent

    def clean(self):
        data = super().clean()
        point, radius = data.get("near"), data.get("radius_km")
        if point is None:
            if radius is not None and "near" not in self.errors:
                self.add_error("radius_km", "n'a de sens qu'avec near=lon,lat")
        else:
            data["near"] = Near(*point, DEFAULT_RADIUS_KM if radius is None else radius)
        return data


def _list_filter(name: str, values) -> AnyOfFilter:
    return AnyOfFilter(field_name=name, choices=[(v, v) for v in values], help_text=LIST_HELP)


# One "any of" filter per list field of the standard (typologie included).
ListFilterSet = type(
    "ListFilterSet",
    (django_filters.FilterSet,),
    {name: _list_filter(name, values) for name, values in LIST_FIELDS.items()},
)


class PlaceFilterSet(ListFilterSet):
    """Every parameter of ``/api/v1/lieux/``, applied in this order (``ouvert_maintenant``
    last); nearest first with ``near``, else by number."""

    bbox = BBoxFilter(
        help_text="minLon,minLat,maxLon,maxLat (WGS84, minLon ≤ maxLon, minLat ≤ maxLat) ; "
        "filtre exact (ST_Intersects)."
    )
    departement = DepartementFilter(
        pattern=DEPARTEMENT_RE,
        message="code de département attendu (04, 2A, 974…)",
        unknown="département « %(code)s » inconnu",
        resolve=known_departement,
        help_text="Code d'un département chargé (04, 2A, 974…) ; inconnu : 400.",
    )
    code_insee = CommuneFilter(
        pattern=CODE_INSEE_RE,
        message="code INSEE de commune attendu (5 caractères)",
        unknown="commune « %(code)s » inconnue",
        resolve=CommuneAlias.objects.current_code,
        help_text="Code INSEE d'une commune chargée (anciens codes acceptés) ; inconnu : 400.",
    )
    q = TextSearchFilter(
        max_length=MAX_TEXT,
        help_text="Nom, adresse, SIRET ou code postal (casse et accents ignorés).",
    )
    near = NearFilter(
        help_text="lon,lat : lieux autour de ce point, du plus proche au plus lointain, "
        "chacun avec `distance_m` (mètres sur l'ellipsoïde WGS84)."
    )
    radius_km = RadiusFilter(
        minimum=0,
        exclusive_minimum=True,
        maximum=MAX_RADIUS_KM,
        default=DEFAULT_RADIUS_KM,
        message=f"rayon en km attendu, supérieur à 0 et au plus {MAX_RADIUS_KM}",
        help_text=f"Rayon autour de `near`, défaut {DEFAULT_RADIUS_KM}, au plus {MAX_RADIUS_KM}.",
    )
    ouvert_maintenant = OpenNowFilter(help_text="Seulement les lieux ouverts.")

    class Meta:
        model = Place
        fields: list[str] = []
        form = PlaceQueryForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter deep-copies every filter (and so their form fields and choices) for each
        # FilterSet; these filters keep no state of a request, so every request shares them.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters

    def get_form_class(self):
        """The form of these filters, built once per FilterSet class (not per request)."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            for filter_ in self.filters.values():
                filter_.model = self.queryset.model
            form_class = super().get_form_class()
            form_class.base_fields = SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    @classmethod
    def parameter_names(cls) -> list[str]:
        if "_parameter_names" not in cls.__dict__:
            cls._parameter_names = sorted([*cls.base_filters, *PAGE_FIELDS, *REQUEST_PARAMETERS])
        return list(cls._parameter_names)

    @property
    def errors(self) -> ErrorDict:
        """The form's errors, and before them those of the query itself: a parameter no
        declaration names, an empty value, a control character; then the pagination's."""
        if not hasattr(self, "_errors"):
            errors = ErrorDict()
            known = self.parameter_names()
            for name, values in self.data.lists():
                if name not in known:
                    reason = "paramètre inconnu ; acceptés : " + ", ".join(known)
                elif any(CONTROL_RE.search(value) for value in values):
                    reason = "caractère de contrôle interdit"
                elif any(not value.strip() for value in values):
                    reason = EMPTY
                else:
                    continue
                errors[name] = ErrorList([ValidationError(reason.replace("%", "%%"))])
            for name, messages in self.form.errors.items():
                errors.setdefault(name, messages)
            _pages, page_errors = self.page_values()
            for name, messages in page_errors.items():
                escaped = [ValidationError(str(m).replace("%", "%%")) for m in messages]
                errors.setdefault(name, ErrorList(escaped))
            self._errors = errors
        return self._errors

    def is_valid(self) -> bool:
        return self.is_bound and not self.errors

    def page_values(self) -> tuple[dict, dict]:
        """(page and page_size, the errors by name): through ``PageParameters``, unless each
        is absent or plain digits within its declared range (most requests: no serializer)."""
        if not hasattr(self, "_page_values"):
            values = plain_pages(self.data)
            if values is not None:
                self._page_values = values, {}
            else:
                names = PAGE_FIELDS
                pages = PageParameters(
                    data={name: self.data[name] for name in names if name in self.data}
                )
                valid = pages.is_valid()
                self._page_values = (pages.validated_data if valid else {}), pages.errors
        return self._page_values

    def filter_queryset(self, queryset):
        return self.narrow(queryset, self.form.cleaned_data)

    @classmethod
    def narrow(cls, queryset, values: dict):
        """``queryset`` through each filter with its cleaned value (absent: None)."""
        for name, filter_ in cls.base_filters.items():
            queryset = filter_.filter(queryset, values.get(name))
        return queryset if values.get("near") else queryset.order_by("id")

    def search(self) -> PlaceFilter:
        """The validated search, or a DRF ``ValidationError`` naming each bad parameter."""
        if not self.is_valid():
            raise translate_validation(self.errors)
        values = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value is not None and value != [] and value != ""
        }
        pages, _errors = self.page_values()
        return PlaceFilter(values, page=pages["page"], page_size=pages["page_size"])


@dataclass(frozen=True)
class PlaceFilter:
    """A validated search: the FilterSet's cleaned values (by parameter name) and the page."""

    values: dict = field(default_factory=dict)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_query(cls, query) -> PlaceFilter:
        """Parse a QueryDict through ``PlaceFilterSet`` (DRF ``ValidationError`` if invalid)."""
        return PlaceFilterSet(query).search()

    @property
    def near(self):
        near = self.values.get("near")
        return near.point if near else None

    @property
    def radius_km(self) -> float:
        near = self.values.get("near")
        return near.radius_km if near else DEFAULT_RADIUS_KM

    @property
    def open_now(self) -> bool:
        return bool(self.values.get("ouvert_maintenant"))

    @property
    def lists(self) -> dict[str, list[str]]:
        return {name: self.values[name] for name in LIST_FIELDS if self.values.get(name)}

    def apply(self, queryset):
        """Filters, then the order: nearest first with ``near``, else by id."""
        return PlaceFilterSet.narrow(queryset, self.values)
