"""RFC 7946 checks shared by the GIS tests: [lon, lat] in WGS84, no crs, ids, CCW exterior rings."""


def ring_area2(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def positions(geometry):
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return [coords]
    if kind in ("LineString", "MultiPoint"):
        return coords
    return [p for polygon in polygons(geometry) for ring in polygon for p in ring]


def assert_feature(feature, *, in_france=True):
    assert feature["type"] == "Feature"
    assert "id" in feature and feature["id"] not in (None, ""), "every Feature has an id"
    assert "crs" not in feature
    geometry = feature["geometry"]
    if geometry is None:
        return
    for lon, lat, *_ in positions(geometry):
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        if in_france:
            # France (metropole and overseas) is west of 56°E and north of 22°S: [lon, lat].
            assert -62 <= lon <= 56 and (41 <= lat <= 51.5 or -22 <= lat <= 19), (lon, lat)
    for polygon in polygons(geometry):
        assert ring_area2(polygon[0]) > 0, "exterior ring counter-clockwise"
        for hole in polygon[1:]:
            assert ring_area2(hole) < 0, "interior rings clockwise"


def assert_feature_collection(data, **kwargs):
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    for feature in data["features"]:
        assert_feature(feature, **kwargs)
    ids = [f["id"] for f in data["features"]]
    assert len(ids) == len(set(ids)), "Feature ids are unique"
