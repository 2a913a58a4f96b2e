"""OGC API - Features: documents, paging, filters, errors, formats and HTTP caching."""

import gzip
import json

import pytest

from geo_directory.territories.models import Commune
from places.models import Place

from .factories import TOWNS, make_place
from .rfc7946 import assert_feature, assert_feature_collection

pytestmark = pytest.mark.django_db

DIGNE_BBOX = "6.1,44.0,6.35,44.2"  # around Digne-les-Bains, not Barcelonnette (6.65, 44.39)


@pytest.fixture
def places(committed_places):
    return committed_places


def get_json(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, response.content[:500]
    return response, json.loads(response.content)


def rels(document):
    return {link["rel"]: link for link in document["links"]}


def test_landing_links_service_desc_conformance_and_data(client):
    _, doc = get_json(client, "/ogc/")
    links = rels(doc)
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["service-desc"]["href"] == "http://testserver/ogc/api"
    assert links["conformance"]["href"] == "http://testserver/ogc/conformance"
    assert links["data"]["href"] == "http://testserver/ogc/collections"
    assert links["self"]["type"] == "application/json"
    assert links["alternate"]["type"] == "text/html"


def test_conformance_declares_core_geojson_oas30_html(client):
    _, doc = get_json(client, "/ogc/conformance")
    base = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert {base + c for c in ("core", "geojson", "oas30", "html")} <= set(doc["conformsTo"])


def test_collections_list_places_and_communes_with_extents(client, places):
    _, doc = get_json(client, "/ogc/collections")
    by_id = {c["id"]: c for c in doc["collections"]}
    assert set(by_id) == {"lieux", "communes"}
    lon_min, lat_min, lon_max, lat_max = by_id["lieux"]["extent"]["spatial"]["bbox"][0]
    assert lon_min <= TOWNS["manosque"].lon and lon_max >= TOWNS["saint-denis"].lon
    assert lat_min <= -20.88 and lat_max >= 44.55
    item_links = [link for link in by_id["communes"]["links"] if link["rel"] == "items"]
    assert {link["type"] for link in item_links} == {"application/geo+json", "text/html"}


def test_items_page_through_every_public_place(client, places):
    expected = set(Place.objects.public().located().values_list("pk", flat=True))
    url, seen, pages = "/ogc/collections/lieux/items?limit=7", [], 0
    while url:
        response, page = get_json(client, url)
        assert response["Content-Type"] == "application/geo+json"
        assert page["numberMatched"] == len(expected)
        assert page["numberReturned"] == len(page["features"]) <= 7
        assert page["timeStamp"].endswith("Z")
        seen += [f["id"] for f in page["features"]]
        url = rels(page).get("next", {}).get("href", "").replace("http://testserver", "")
        if pages:
            assert "prev" in rels(page)
        pages += 1
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert pages == -(-len(expected) // 7)


def test_hidden_and_deleted_places_are_not_published(client, places):
    _, page = get_json(client, "/ogc/collections/lieux/items?limit=10000")
    names = {f["properties"]["nom"] for f in page["features"]}
    assert "Point numérique 0 de Digne-les-Bains" in names
    assert "Lieu masqué de Digne" not in names and "Lieu supprimé de Gap" not in names
    hidden = Place.objects.get(nom="Lieu masqué de Digne")
    response, body = get_json(client, f"/ogc/collections/lieux/items/{hidden.pk}", 404)
    assert body["code"] == "NotFound"


def test_bbox_keeps_digne_and_drops_barcelonnette(client, places):
    _, page = get_json(client, f"/ogc/collections/lieux/items?bbox={DIGNE_BBOX}&limit=10000")
    communes = {f["properties"]["commune"] for f in page["features"]}
    assert "Digne-les-Bains" in communes and "Barcelonnette" not in communes
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 6.1 <= lon <= 6.35 and 44.0 <= lat <= 44.2
    expected = Place.objects.public().located().in_bbox(6.1, 44.0, 6.35, 44.2).count()
    assert page["numberMatched"] == expected


def test_communes_bbox_and_departement_filter_match_the_database(client):
    _, page = get_json(client, "/ogc/collections/communes/items?departement=974&limit=100")
    assert page["numberMatched"] == Commune.objects.filter(departement_id="974").count() == 24
    assert {f["properties"]["departement"] for f in page["features"]} == {"974"}
    assert_feature_collection(page)
    _, digne = get_json(client, f"/ogc/collections/communes/items?bbox={DIGNE_BBOX}")
    assert "04070" in {f["id"] for f in digne["features"]}


def test_commune_item_carries_its_coverage(client):
    response, feature = get_json(client, "/ogc/collections/communes/items/04070")
    assert response["Content-Type"] == "application/geo+json"
    assert feature["id"] == "04070" and feature["properties"]["nom"] == "Digne-les-Bains"
    props = feature["properties"]
    assert props["threshold_km"] == 10 and props["basis"] == "mediators"
    assert isinstance(props["covered"], bool) and isinstance(props["has_place_inside"], bool)
    assert props["population"] > 15000
    assert {"distance_m", "nearest_place_id", "departement", "region", "ifn"} <= set(props)
    assert_feature(feature)


def test_property_filters(client, places):
    _, page = get_json(client, "/ogc/collections/lieux/items?code_insee=04019&limit=10000")
    assert (
        page["numberMatched"]
        == Place.objects.public().located().filter(commune_actuelle_id="04019").count()
    )
    assert {f["properties"]["code_insee"] for f in page["features"]} == {"04019"}
    service = "Aide aux démarches administratives"
    _, page = get_json(
        client,
        "/ogc/collections/lieux/items",
        data={"filter": f"A_CONTAINS(services, ('{service}'))", "limit": 10000},
    )
    assert (
        page["numberMatched"]
        == Place.objects.public().located().filter(services__contains=[service]).count()
    )
    assert all(service in f["properties"]["services"] for f in page["features"])


def test_datetime_filters_on_date_maj(client, places):
    _, page = get_json(client, "/ogc/collections/lieux/items?datetime=2024-02-01/2024-02-28")
    assert (
        page["numberMatched"]
        == Place.objects.public()
        .located()
        .filter(date_maj__range=("2024-02-01", "2024-02-28"))
        .count()
    )
    assert {f["properties"]["date_maj"] for f in page["features"]} == {"2024-02-15"}


def test_lieux_properties_follow_the_national_standard(client, places):
    place = places[0]
    _, feature = get_json(client, f"/ogc/collections/lieux/items/{place.pk}")
    props = feature["properties"]
    for name in (
        "nom",
        "commune",
        "code_postal",
        "code_insee",
        "adresse",
        "services",
        "typologie",
        "frais_a_charge",
        "date_maj",
        "latitude",
        "longitude",
    ):
        assert name in props
    assert props["services"] == ["Aide aux démarches administratives"]
    assert feature["geometry"]["coordinates"] == [props["longitude"], props["latitude"]]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=6,44,7,95", "bbox"),
        ("bbox=6,45,7,44", "bbox"),
        ("bbox=nan,44,7,45", "bbox"),
        ("bbox-crs=EPSG:2154", "bbox-crs"),
        ("datetime=yesterday", "datetime"),
        ("services=Cuisine", "services"),
        ("f=xml", "f"),
        ("sortby=services", "sortby"),
        ("crs=EPSG:4326", "crs"),
    ],
)
def test_bad_parameters_get_an_ogc_exception(client, query, parameter):
    response, body = get_json(client, f"/ogc/collections/lieux/items?{query}", 400)
    assert response["Content-Type"].startswith("application/json")
    assert body["code"] == "InvalidParameterValue" and body["parameter"] == parameter
    assert parameter in body["description"]


def test_unknown_collection_and_feature_are_404(client):
    _, body = get_json(client, "/ogc/collections/ecoles/items", 404)
    assert body["code"] == "NotFound"
    get_json(client, "/ogc/collections/lieux/items/abc", 404)
    get_json(client, "/ogc/collections/lieux/items/99999999999999999999999", 404)
    get_json(client, "/ogc/collections/communes/items/99999", 404)


def test_html_by_f_and_by_accept(client, places):
    by_f = client.get("/ogc/collections/lieux/items?f=html&limit=5")
    assert by_f["Content-Type"].startswith("text/html")
    assert "Point numérique" in by_f.content.decode() or b"<table" in by_f.content
    by_accept = client.get("/ogc/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert by_accept["Content-Type"].startswith("text/html")
    assert "OGC API - Features" in by_accept.content.decode()
    assert client.get("/ogc/", HTTP_ACCEPT="application/json")["Content-Type"] == (
        "application/json"
    )
    for url in (
        "/ogc/collections?f=html",
        "/ogc/collections/communes?f=html",
        "/ogc/conformance?f=html",
        "/ogc/collections/communes/items/04070?f=html",
        "/ogc/api?f=html",
    ):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_openapi_declares_limit_bounds_and_every_path(client):
    response, doc = get_json(client, "/ogc/api")
    assert doc["openapi"].startswith("3.0")
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert (limit["default"], limit["maximum"], limit["minimum"]) == (100, 2000, 1)
    for path in (
        "/",
        "/conformance",
        "/collections",
        "/collections/lieux/items",
        "/collections/communes/items/{featureId}",
    ):
        assert path in doc["paths"]
    items = doc["paths"]["/collections/lieux/items"]["get"]
    assert "400" in items["responses"] and "code_insee" in {
        p.get("name") for p in items["parameters"]
    }


def test_etag_304_and_a_write_changes_the_etag(client, places):
    url = "/ogc/collections/lieux/items?bbox=6.1,44.0,6.35,44.2"
    first = client.get(url)
    etag = first["ETag"]
    assert first["Last-Modified"] and "no-cache" in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    make_place("digne", nom="Nouveau lieu de Digne")
    second = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 200 and second["ETag"] != etag
    names = {f["properties"]["nom"] for f in json.loads(second.content)["features"]}
    assert "Nouveau lieu de Digne" in names


def test_cors_and_gzip(client, places):
    response = client.get(
        "/ogc/collections/lieux/items?limit=50",
        HTTP_ORIGIN="https://carto.example.org",
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    "url", ["/ogc/collections/lieux/items", "/tiles/lieux/8/132/92.pbf", "/ogc/collections"]
)
def test_database_down_is_a_quick_503_not_a_stack_trace(client, monkeypatch, url):
    from django.db import OperationalError

    from geo_directory import cache

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(cache, "version", unreachable)
    response = client.get(url)
    assert response.status_code == 503 and response["Retry-After"]
    assert json.loads(response.content)["error"] == "database_unavailable"
