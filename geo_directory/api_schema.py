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
