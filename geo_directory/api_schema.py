"""OpenAPI components of the GeoJSON answers, from each layer's reference serializer.

drf-spectacular types a drf-gis ``GeoFeatureModelSerializer`` as a GeoJSON Feature (id, typed
geometry, typed ``properties``); a FeatureCollection page adds the OGC-style members the API
writes (``numberMatched``, ``numberReturned``, ``links``). A schema check of an answer then checks
every property, not only that it is an object.
"""

from functools import cache

from rest_framework import serializers


class LinkSerializer(serializers.Serializer):
    href = serializers.URLField()
    rel = serializers.CharField()
    type = serializers.CharField()
    title = serializers.CharField(required=False)


@cache
def feature_collection_serializer(layer, *, paged: bool = True):
    """A serializer class describing a FeatureCollection of ``layer``'s Features."""
    fields = {
        "type": serializers.ChoiceField(choices=["FeatureCollection"]),
        "features": serializers.ListField(child=layer.serializer_class()),
    }
    if paged:
        fields["numberMatched"] = serializers.IntegerField(min_value=0)
        fields["numberReturned"] = serializers.IntegerField(min_value=0)
        fields["links"] = LinkSerializer(many=True)
    name = f"{layer.serializer_class.__name__.removesuffix('Serializer')}Collection"
    return type(name, (serializers.Serializer,), fields)


REFUSALS = {
    "400": {
        "description": "Paramètre ou segment d'adresse refusé (octet NUL, caractère de contrôle, "
        "chiffre non ASCII, valeur invalide) : le corps nomme chacun et la raison.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string", "enum": ["invalid_parameter"]},
                        "parameters": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "required": ["error", "parameters"],
                }
            }
        },
    },
    "503": {
        "description": "Service momentanément indisponible (base de données, ou trop de requêtes "
        "coûteuses de ce client à la fois) : réessayer après `Retry-After` secondes.",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}


def document_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: the 400 and 503 that ``geo_directory.middleware``
    and ``geo_directory.admission`` may answer before any view, documented on every operation:
    a view's own 400 (its parameters' examples) is kept, the 503 is this one everywhere (the same
    answer, with ``Retry-After``, whichever view was asked)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].setdefault("400", REFUSALS["400"])
            operation["responses"]["503"] = REFUSALS["503"]
    return result
