"""Coverage API: RFC 7946 communes, summaries, 400 naming the parameter, freshness."""

import json

import pytest
from django.utils import timezone
from shapely.geometry import shape

from coverage import services
from coverage.models import CommuneCoverage
from geo_directory import demo
from geo_directory.territories.models import Commune

from .factories import make_mediator, make_place

pytestmark = pytest.mark.django_db
URL = "/api/v1/communes/"


def communes(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/geo+json")
    return json.loads(response.content)


def test_communes_of_04_are_an_rfc7946_feature_collection(client):
    body = communes(client, departement="04")
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert len(body["features"]) == 198
    feature = next(f for f in body["features"] if f["id"] == "04070")
    assert set(feature["properties"]) == {  # the communes layer, as OGC and the tiles publish it
        "code_insee",
        "nom",
        "departement",
        "region",
        "population",
        "distance_m",
        "nearest_place_id",
        "has_place_inside",
        "covered",
        "threshold_km",
        "basis",
        "ifn",
    }
    assert feature["properties"]["nom"] == "Digne-les-Bains"
    assert 6 < feature["properties"]["ifn"] < 7
    lon, lat = feature["geometry"]["coordinates"][0][0][0]
    assert 5.5 < lon < 7 and 43.5 < lat < 45  # [lon, lat]
    assert shape(feature["geometry"]).is_valid


def test_covered_filter_splits_the_communes_and_follows_the_threshold(client):
    at = {t: communes(client, departement="04", threshold_km=t, basis="places") for t in (5, 30)}
    for body in at.values():
        assert all(f["properties"]["covered"] in (True, False) for f in body["features"])
    uncovered_5 = sum(not f["properties"]["covered"] for f in at[5]["features"])
    uncovered_30 = sum(not f["properties"]["covered"] for f in at[30]["features"])
    assert uncovered_30 <= uncovered_5
    only = communes(client, departement="04", threshold_km=5, basis="places", covered="false")
    assert len(only["features"]) == uncovered_5
    assert all(
        not f["properties"]["has_place_inside"] and f["properties"]["distance_m"] > 5000
        for f in only["features"]
    )


def test_merged_commune_is_one_feature_with_the_union_polygon(client):
    # 05120 (Sainte-Marie, 2018 polygon) belongs to 05001 since 2019: one commune on the map.
    body = communes(client, departement="05")
    ids = [f["id"] for f in body["features"]]
    assert ids.count("05001") == 1 and "05120" not in ids
    features = json.loads(
        (demo.TERRITORIES / "communes-05-hautes-alpes.geojson").read_text(encoding="utf-8")
    )["features"]
    old = {f["properties"]["code"]: shape(f["geometry"]) for f in features}
    merged = shape(next(f for f in body["features"] if f["id"] == "05001")["geometry"])
    union = old["05001"].union(old["05120"])
    assert merged.intersection(union).area / union.area > 0.97  # simplified, not cut
    assert merged.contains(old["05120"].representative_point())
    assert merged.contains(old["05001"].representative_point())


@pytest.mark.parametrize(
    "query, parameter",
    [
        ({"threshold_km": "abc"}, "threshold_km"),
        ({"threshold_km": "0.5"}, "threshold_km"),
        ({"threshold_km": "101"}, "threshold_km"),
        ({"threshold_km": "nan"}, "threshold_km"),
        ({"threshold_km": "inf"}, "threshold_km"),
        ({"basis": "everything"}, "basis"),
        ({"covered": "maybe"}, "covered"),
        ({"departement": "99"}, "departement"),
        ({"departement": "04'; DROP TABLE x;--"}, "departement"),
        ({"departement": ""}, "departement"),
        ({"threshold_km": ""}, "threshold_km"),
        ({"basis": ""}, "basis"),
        ({"covered": ""}, "covered"),
        ({"covered": "null"}, "covered"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_parameter(client, query, parameter):
    for url in (URL, "/api/v1/couverture/departements/", "/api/v1/couverture/departements/04/"):
        if parameter in ("covered", "departement") and url != URL:
            continue
        response = client.get(url, query)
        assert response.status_code == 400, (url, query)
        assert parameter in response.json()["parameters"]


@pytest.mark.parametrize(
    "url", [URL, "/api/v1/couverture/departements/", "/api/v1/couverture/departements/04/"]
)
def test_empty_format_is_refused_naming_it(client, url):
    response = client.get(url, {"format": "", "threshold_km": "5"})
    assert response.status_code == 400
    assert response.json()["parameters"] == {
        "format": ["Valeur vide : donnez une valeur ou retirez le paramètre."]
    }


def test_schema_documents_the_declared_range_default_and_choices(client):
    schema = json.loads(client.get("/api/schema/?format=json").content)
    for path in (
        URL,
        "/api/v1/couverture/departements/",
        "/api/v1/couverture/departements/{code}/",
    ):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        threshold = parameters["threshold_km"]["schema"]
        assert (threshold["minimum"], threshold["maximum"], threshold["default"]) == (1, 100, 10)
        assert parameters["basis"]["schema"]["enum"] == ["mediators", "places"]
        assert parameters["basis"]["schema"]["default"] == "mediators"
    communes_parameters = {p["name"] for p in schema["paths"][URL]["get"]["parameters"]}
    assert {"departement", "covered"} <= communes_parameters


def test_unknown_departement_summary_is_404(client):
    assert client.get("/api/v1/couverture/departements/99/").status_code == 404


def test_departement_summary_matches_the_communes_layer(client):
    layer = communes(client, departement="05", threshold_km=15, basis="places")
    summary = client.get(
        "/api/v1/couverture/departements/05/", {"threshold_km": 15, "basis": "places"}
    ).json()
    uncovered = [f for f in layer["features"] if not f["properties"]["covered"]]
    assert summary["communes"] == len(layer["features"]) == 162
    assert summary["uncovered_communes"] == len(uncovered)
    population = {c.code: c.population or 0 for c in Commune.objects.in_departement("05")}
    assert summary["population"] == sum(population.values())
    assert summary["uncovered_population"] == sum(population[f["id"]] for f in uncovered)
    assert summary["france"]["communes"] == Commune.objects.count()
    national = client.get("/api/v1/couverture/departements/", {"threshold_km": 15}).json()
    assert [row["code"] for row in national["departements"]] == ["04", "05", "974"]


def test_adding_a_mediator_then_ending_the_activity_changes_the_next_response(client):
    """Each write is followed by what its commit runs (``services.apply_pending``; a test's
    transaction never commits)."""

    # Le Caire (04037) is far from the demo mediation points... until one opens there.
    def le_caire():
        body = communes(client, departement="04", threshold_km=5)
        return next(f for f in body["features"] if f["id"] == "04037")["properties"]

    before = le_caire()
    place = make_place("tallard", suffix=" (permanence)")
    # Move it into Le Caire itself, on the commune's reference point.
    place.location = Commune.objects.get(code="04037").reference_point
    place.commune_actuelle_id = "04037"
    place.departement_code = "04"
    place.save()
    services.apply_pending()
    assert le_caire() == before  # a place without a mediator changes nothing (basis mediators)
    activity = make_mediator(place)
    services.apply_pending()
    now = le_caire()
    assert now["has_place_inside"] and now["covered"] and now["nearest_place_id"] == place.pk
    assert now["distance_m"] < 1
    activity.end_date = timezone.localdate()
    activity.save()
    services.apply_pending()
    assert le_caire() == before
    assert CommuneCoverage.objects.get(commune_id="04037", basis="mediators").nearest_place_id != (
        place.pk
    )


def test_ending_an_activity_without_signals_is_seen_too(client):
    """Bulk updates (QuerySet.update, as LinkQuerySet.end does) send no Django signal: the
    database trigger on activities queues the place all the same."""
    place = make_place("digne", suffix=" (bulk)")
    place.location = Commune.objects.get(code="04037").reference_point
    place.save()
    activity = make_mediator(place)
    services.apply_pending()

    def covered():
        body = communes(client, departement="04", threshold_km=5, covered="true")
        return "04037" in {f["id"] for f in body["features"]}

    assert covered()
    type(activity).objects.filter(pk=activity.pk).end()
    services.apply_pending()
    assert not covered()


def test_etag_gives_304_until_the_directory_changes(client):
    first = client.get(URL, {"departement": "04"})
    etag = first["ETag"]
    again = client.get(URL, {"departement": "04"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    other = client.get(URL, {"departement": "05"}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200  # another query, another ETag
    place = make_place("barcelonnette", suffix=" (ETag)")
    make_mediator(place)
    services.apply_pending()
    changed = client.get(URL, {"departement": "04"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
