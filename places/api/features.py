"""How a place becomes a GeoJSON Feature: the national standard's 32 fields as properties.

Properties are SQL expressions so that PostGIS writes the whole FeatureCollection in one
statement (``geo_directory.geojson.feature_collection``); multi-valued fields are JSON arrays.
"""

from django.db.models import Case, F, FloatField, Func, TextField, Value, When
from django.db.models.functions import Concat

from geo_directory.geojson import feature_collection

from ..querysets import AsGeometry

STANDARD_FIELDS = (
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
)


class RoundTo(Func):
    """``round(x::numeric, digits)``: a JSON number with at most ``digits`` decimals."""

    output_field = FloatField()

    def __init__(self, expression, digits: int):
        super().__init__(expression, template=f"round((%(expressions)s)::numeric, {int(digits)})")


def coordinate(function: str):
    """The standard's latitude/longitude: only the source's own coordinates. A place the
    importer put at its commune's reference point keeps that point as geometry (to be found on
    a map) but has no latitude/longitude, as in ``places.exporters``."""
    value = RoundTo(Func(AsGeometry("location"), function=function, output_field=FloatField()), 6)
    return Case(When(location_precision="source", then=value), default=None)


def properties(with_distance: bool = False) -> dict:
    """Output name -> expression, in the standard's order (id, pivot, nom, ..., prise_rdv),
    then ``location_precision`` and, for a nearby search, ``distance_m``.

    ``id`` is the standard's ``<import source>:<source id>`` (as in the CSV export); the
    Feature's own ``id`` is the directory's number, the one in ``/api/v1/lieux/<id>/``."""
    props = {"id": Concat("import_source", Value(":"), "source_id", output_field=TextField())}
    for name in STANDARD_FIELDS:
        props[name] = F(name)
        if name == "complement_adresse":
            props["latitude"] = coordinate("ST_Y")
            props["longitude"] = coordinate("ST_X")
    props["location_precision"] = F("location_precision")
    if with_distance:
        props["distance_m"] = RoundTo("distance", 1)
    return props


def place_collection(queryset, *, with_distance: bool = False, members: dict | None = None) -> str:
    return feature_collection(
        queryset,
        geometry="location",
        properties=properties(with_distance),
        precision=6,
        members=members,
    )
