"""The search results map and a place's sheet draw places with the site's own marks (issue 11
#10), as the coverage map does: the palette's point and cluster bubbles (one definition,
``places.maps``), never Leaflet's blue pin nor Leaflet.markercluster's green/yellow/orange
bubbles; the results map's legend shows the same classes it draws."""

import re

import pytest

from places import maps, search_map

pytestmark = pytest.mark.django_db

DEFAULT_LOOKS = ("marker-icon.png", "L.Icon.Default", "MarkerCluster.Default.css")


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_results_map_draws_palette_points_and_clusters_and_says_so(client):
    page = html(client, "/lieux/?commune=Barcelonnette&rayon=20")
    script = page[page.index("var results_map") :]
    script = script[: script.index("</script>")]
    assert maps.POINT_ICON in script and "icon: results_icon" in script
    assert "iconCreateFunction: " + maps.cluster_icon() in script
    assert '"className": "map-radius"' in script and "#000091" not in script
    for default in DEFAULT_LOOKS:
        assert default not in page, default
    legend = page[page.index('id="results-legend"') :]
    legend = legend[: legend.index("</ul>")]
    drawn = {css for _, css, _ in search_map.LEGEND}
    assert drawn == {maps.POINT, maps.CLUSTER, "map-radius"}
    for css in drawn:
        assert re.search(rf'class="[^"]*\b{css}\b', legend), css
    assert "un lieu" in legend and "plusieurs lieux proches" in legend


def test_a_place_sheet_marks_its_place_with_the_palette_point(client):
    page = html(client, "/lieux/21/")  # France services Barcelonnette
    script = page[page.index("L.map(") :]
    assert '"className": "cov-point"' in script and ".setIcon(div_icon_" in script
    assert "MarkerCluster.Default.css" not in page and "marker-icon.png" not in page
