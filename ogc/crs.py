"""Coordinate reference systems by reference (OGC API - Features Part 2).

Features are stored in WGS84 and served in CRS84 (longitude, latitude) by default; ``crs``
asks for another CRS of the list below, ``bbox-crs`` says in which one ``bbox`` is written.
PostGIS does every transformation (``ST_Transform`` on the layer's plain geometry, and on the
bbox polygon that filters). The answer is still GeoJSON, its coordinates in the CRS asked for, in
that CRS's axis order: EPSG:4326 is latitude first (the EPSG definition, as OGC requires), the
projected CRSs are easting, northing. ``Content-Crs`` names the CRS of every answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db.models import Func

from geo_directory.geojson import ForcePolygonCCW
from geo_directory.layers import ParameterError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
EDGE_POINTS = 32  # points per edge of a projected bbox: its edges are curves in lon/lat


class FlipCoordinates(Func):
    """``ST_FlipCoordinates``: (lon, lat) -> (lat, lon), the axis order of EPSG:4326."""

    function = "ST_FlipCoordinates"


@dataclass(frozen=True)
class CRS:
    uri: str
    srid: int
    title: str
    lat_first: bool = False  # EPSG:4326: latitude, longitude
    projected: bool = False  # coordinates in metres

    def precision(self, layer) -> int:
        """Decimals of the coordinates: the layer's in degrees; 4 fewer in metres (6 -> 2 cm)."""
        return max(layer.precision - 4, 0) if self.projected else layer.precision

    def geometry(self, layer):
        """Expression of the layer's geometry in this CRS (the layer's own for CRS84)."""
        if self.uri == CRS84:
            return layer.geometry()
        geometry = layer.plain_geometry()
        if self.srid != 4326:
            geometry = Transform(geometry, self.srid)
        if self.lat_first:
            geometry = FlipCoordinates(geometry)
        if layer.geometry_type == "multipolygon":
            geometry = ForcePolygonCCW(geometry)
        return geometry

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header value."""
        return f"<{self.uri}>"


SUPPORTED = (
    CRS(CRS84, 4326, "WGS 84 (longitude, latitude)"),
    CRS(f"{EPSG}4326", 4326, "WGS 84 (latitude, longitude)", lat_first=True),
    CRS(f"{EPSG}2154", 2154, "RGF93 v1 / Lambert-93 (métropole)", projected=True),
    CRS(f"{EPSG}2975", 2975, "RGR92 / UTM 40S (La Réunion)", projected=True),
    CRS(f"{EPSG}5490", 5490, "RGAF09 / UTM 20N (Guadeloupe, Martinique)", projected=True),
    CRS(f"{EPSG}2972", 2972, "RGFG95 / UTM 22N (Guyane)", projected=True),
    CRS(f"{EPSG}4471", 4471, "RGM04 / UTM 38S (Mayotte)", projected=True),
)
BY_URI = {crs.uri: crs for crs in SUPPORTED}
DEFAULT = BY_URI[CRS84]
URIS = [crs.uri for crs in SUPPORTED]


def parse_crs(params, name: str) -> CRS:
    """The CRS named by the parameter ``name`` (``crs``, ``bbox-crs``), CRS84 when absent."""
    raw = params.get(name)
    if raw is None:
        return DEFAULT
    crs = BY_URI.get(raw.strip())
    if crs is None:
        raise ParameterError(
            name,
            f"{name} : système de coordonnées non pris en charge (reçu {raw[:120]!r}). "
            f"Valeurs acceptées : {', '.join(URIS)}.",
        )
    return crs


def _box(min_x, min_y, max_x, max_y, srid, points=1):
    """A rectangle as a polygon, ``points`` vertices per edge (counter-clockwise)."""
    ring = []
    corners = [(min_x, min_y), (max_x, min_y), (max_x, max_y), (min_x, max_y)]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        ring += [(x0 + (x1 - x0) * i / points, y0 + (y1 - y0) * i / points) for i in range(points)]
    ring.append(ring[0])
    polygon = Polygon(ring)
    polygon.srid = srid
    return polygon


def parse_bbox(raw: str, crs: CRS):
    """The area of ``bbox`` (4 or 6 numbers, in ``crs``'s axis order) as a geometry to
    intersect. In lon/lat a box whose west edge is east of its east edge crosses the
    antimeridian: it is the union of two boxes. A projected box is transformed by PostGIS."""
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise ParameterError(
            "bbox",
            "bbox attend 4 nombres (ou 6 avec les hauteurs) : "
            "lon_min,lat_min,lon_max,lat_max en CRS84, ou dans l'ordre des axes de bbox-crs.",
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ParameterError("bbox", f"bbox contient une valeur non numérique : {raw!r}.") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ParameterError("bbox", "bbox contient une valeur non finie.")
    if len(numbers) == 6:  # 3D box: the heights do not matter for 2D features
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if crs.projected:
        min_x, min_y, max_x, max_y = numbers
        if min_x > max_x or min_y > max_y:
            raise ParameterError(
                "bbox", "Dans bbox, les minimums doivent précéder les maximums (x_min ≤ x_max)."
            )
        return _box(min_x, min_y, max_x, max_y, crs.srid, EDGE_POINTS)
    if crs.lat_first:
        min_lat, min_lon, max_lat, max_lon = numbers
    else:
        min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ParameterError("bbox", "Les longitudes de bbox doivent être entre -180 et 180.")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ParameterError("bbox", "Les latitudes de bbox doivent être entre -90 et 90.")
    if min_lat > max_lat:
        raise ParameterError("bbox", "Dans bbox, lat_min doit être inférieure à lat_max.")
    if min_lon <= max_lon:
        return _box(min_lon, min_lat, max_lon, max_lat, 4326)
    # Across the antimeridian: from min_lon to 180, and from -180 to max_lon.
    union = MultiPolygon(
        _box(min_lon, min_lat, 180, max_lat, 4326), _box(-180, min_lat, max_lon, max_lat, 4326)
    )
    union.srid = 4326
    return union
