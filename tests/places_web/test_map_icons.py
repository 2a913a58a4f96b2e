"""Leaflet's default marker images are found under the project's static files."""

from places import maps


def test_marker_images_path_points_at_vendored_leaflet():
    fmap = maps.base_map(center=(44.0925, 6.2357), zoom=10)
    parts = maps.embed(fmap)
    assert 'L.Icon.Default.imagePath = "/static/vendor/leaflet-1.9.4/images/";' in parts["script"]
    # set before any marker or layer of the map is created
    assert parts["script"].index("imagePath") < parts["script"].index("L.map(")
