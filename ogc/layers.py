"""The collections of the OGC API: the published layers, read from their one definition.

Each collection is a layer (``places.layer.PLACES``, ``coverage.layer.COMMUNES``) and its SQL
writer: OGC items are the very Features the other doors serve. A request may ask for another
CRS (``crs``) or for some properties only (``properties``): it is then served by a writer of a
*view* of the layer, the same definition with the geometry transformed or fewer fields, so the
values it writes are still the layer's own.
"""

from __future__ import annotations

from coverage.layer import COMMUNES, COMMUNES_WRITER
from coverage.params import CoverageParams
from geo_directory.geojson import LayerWriter
from geo_directory.layers import ParameterError
from places.layer import PLACES, PLACES_WRITER

from .crs import CRS, CRS84

LAYERS = {PLACES.id: (PLACES, PLACES_WRITER), COMMUNES.id: (COMMUNES, COMMUNES_WRITER)}

# The layers' own parameters (options of ``Layer.rows``), declared by the app that owns them.
LAYER_PARAMETERS = {COMMUNES.id: CoverageParams}


def get(collection_id: str):
    """The layer of a collection id, or None."""
    entry = LAYERS.get(collection_id)
    return entry[0] if entry else None


class LayerView:
    """A layer as one request serves it: its geometry in ``crs``, only the fields ``names``
    (in the layer's order). Everything else is the layer's own."""

    def __init__(self, layer, crs: CRS, names: tuple[str, ...] | None):
        self._layer = layer
        self._crs = crs
        self.fields = (
            layer.fields if names is None else tuple(f for f in layer.fields if f.name in names)
        )
        self.precision = crs.precision(layer)

    def geometry(self):
        return self._crs.geometry(self._layer)

    def __getattr__(self, name):
        return getattr(self._layer, name)


def writer(layer, crs: CRS, names: tuple[str, ...] | None = None) -> LayerWriter:
    """The writer of ``layer`` in ``crs`` with the properties ``names`` (None: all); its
    compiled SQL is kept by the one cache under that name (``LayerWriter.rows_sql``)."""
    if crs.uri == CRS84 and names is None:
        return LAYERS[layer.id][1]
    return LayerWriter(LayerView(layer, crs, names), name=("ogc", layer.id, crs.uri, names))


def layer_options(layer, params) -> dict:
    """The layer's own parameters from the query string (defaults when absent); a bad value is
    a ParameterError naming it."""
    declaration = LAYER_PARAMETERS.get(layer.id)
    if declaration is None:
        return {}
    serializer = declaration(
        data={name: params[name] for name in parameter_names(layer) if name in params}
    )
    if not serializer.is_valid():
        name, errors = next(iter(serializer.errors.items()))
        raise ParameterError(name, f"{name} : {' '.join(str(e) for e in errors)}")
    options = dict(serializer.validated_data)
    if "threshold_km" in options:
        options["threshold_km"] = float(options["threshold_km"])
    if "basis" in options:
        options["basis"] = str(options["basis"])
    return options


def parameter_names(layer) -> list[str]:
    declaration = LAYER_PARAMETERS.get(layer.id)
    return list(declaration().fields) if declaration else []


def parameter_fields(layer) -> dict:
    """name -> the DRF field declaring it (for the OpenAPI document)."""
    declaration = LAYER_PARAMETERS.get(layer.id)
    return dict(declaration().fields) if declaration else {}
