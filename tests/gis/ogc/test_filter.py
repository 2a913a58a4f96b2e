"""OGC API - Features Part 3: queryables, CQL2 filters (text and JSON), sortby, properties."""

import json
import unicodedata

import pytest
from django.contrib.gis.geos import Polygon

from coverage.layer import COMMUNES
from places.layer import PLACES

from .helpers import all_items, bad_parameter, get_json

pytestmark = pytest.mark.django_db

SERVICE = "Aide aux démarches administratives"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"


def ids(client, collection="lieux", **params):
    return {f["id"] for f in all_items(client, collection, **params)["features"]}


def plain(text):
    """Lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def rows(**lookups):
    return set(PLACES.rows().filter(**lookups).values_list("pk", flat=True))


def test_queryables_are_the_layers_queryable_fields(client):
    response, doc = get_json(client, "/ogc/collections/lieux/queryables")
    assert response["Content-Type"] == "application/schema+json"
    expected = {f.name for f in PLACES.filterable()} | {"geometry"}
    assert set(doc["properties"]) == expected
    assert doc["properties"]["services"]["type"] == "array"
    assert doc["properties"]["services"]["items"]["type"] == "string"
    assert SERVICE in doc["properties"]["services"]["items"]["enum"]
    assert doc["properties"]["date_maj"] == {**doc["properties"]["date_maj"], "format": "date"}
    assert doc["properties"]["geometry"]["format"] == "geometry-point"
    _, communes = get_json(client, "/ogc/collections/communes/queryables")
    assert communes["properties"]["population"]["type"] == ["integer", "null"]
    assert communes["properties"]["geometry"]["format"] == "geometry-multipolygon"
    assert set(communes["properties"]) == {f.name for f in COMMUNES.filterable()} | {"geometry"}
    _, collection = get_json(client, "/ogc/collections/lieux")
    rel = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    assert any(link["rel"] == rel for link in collection["links"])
    assert client.get("/ogc/collections/lieux/queryables?f=html").status_code == 200


def test_conformance_declares_the_filter_classes(client):
    _, doc = get_json(client, "/ogc/conformance")
    classes = set(doc["conformsTo"])
    for name in ("queryables", "filter", "features-filter"):
        assert f"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/{name}" in classes
    for name in ("cql2-text", "cql2-json", "basic-cql2", "array-functions", "spatial-functions"):
        assert CQL2 + name in classes


def test_text_comparisons_match_the_database(client, committed_places):
    assert ids(client, filter="code_insee = '05061'") == rows(commune_actuelle_id="05061")
    assert ids(client, filter="departement <> '04'") == rows() - rows(departement_code="04")
    assert ids(client, filter="date_maj >= DATE('2024-03-01')") == rows(date_maj__gte="2024-03-01")
    # GDAL writes dates as strings, with a trailing T.
    assert ids(client, filter="date_maj < '2024-03-01T'") == rows(date_maj__lt="2024-03-01")
    assert ids(client, filter="nom LIKE 'Point numérique _ de D%'") == {
        p.pk for p in committed_places if p.nom.startswith("Point numérique") and "Digne" in p.nom
    }
    communes = all_items(client, "lieux", properties="commune")["features"]
    digne = {f["id"] for f in communes if f["properties"]["commune"].lower() == "digne-les-bains"}
    assert ids(client, filter="CASEI(commune) = CASEI('DIGNE-LES-BAINS')") == digne
    assert digne > ids(client, commune="Digne-les-Bains")  # the sources write it both ways
    folded = {
        f["id"]
        for f in all_items(client, "lieux", properties="nom")["features"]
        if plain(f["properties"]["nom"]).startswith("point numerique")
    }
    assert ids(client, filter="ACCENTI(CASEI(nom)) LIKE 'point numerique%'") == folded
    assert {p.pk for p in committed_places} <= folded
    assert ids(client, filter="departement IN ('04', '05')") == rows(
        departement_code__in=["04", "05"]
    )
    assert ids(
        client, filter="NOT (departement = '974') AND departement BETWEEN '04' AND '05'"
    ) == (rows(departement_code__in=["04", "05"]))


def test_nulls_follow_sql_three_valued_logic(client):
    """A null population is neither = nor <> any value, as in SQL (and GeoPackage)."""
    total = all_items(client, "communes", properties="nom")["numberMatched"]
    big = ids(client, "communes", filter="population > 1000", properties="nom")
    small = ids(client, "communes", filter="NOT (population > 1000)", properties="nom")
    unknown = ids(client, "communes", filter="population IS NULL", properties="nom")
    assert not (big & small) and len(big) + len(small) + len(unknown) == total


def test_array_operators_on_list_fields_text_and_json(client, committed_places):
    contains = ids(client, filter=f"A_CONTAINS(services, ('{SERVICE}'))")
    assert contains == rows(services__contains=[SERVICE])
    as_json = {
        "op": "a_contains",
        "args": [{"property": "services"}, [SERVICE]],
    }
    assert ids(client, filter=json.dumps(as_json), **{"filter-lang": "cql2-json"}) == contains
    overlaps = ids(client, filter="A_OVERLAPS(typologie, ('TIERS_LIEUX', 'FRSERV'))")
    assert overlaps == rows(typologie__overlap=["TIERS_LIEUX", "FRSERV"])
    exact = ids(client, filter=f"A_EQUALS(services, ('{SERVICE}'))")
    assert exact == rows(services=[SERVICE]) and {p.pk for p in committed_places} <= exact


def test_json_filters(client, committed_places):
    expression = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "departement"}, "04"]},
            {"op": ">=", "args": [{"property": "date_maj"}, {"date": "2024-02-01"}]},
        ],
    }
    assert ids(client, filter=json.dumps(expression), **{"filter-lang": "cql2-json"}) == rows(
        departement_code="04", date_maj__gte="2024-02-01"
    )


def test_spatial_filters_in_crs84(client, committed_places):
    box = Polygon.from_bbox((6.1, 44.0, 6.35, 44.2))
    box.srid = 4326
    expected = ids(client, bbox="6.1,44.0,6.35,44.2")
    assert committed_places[0].pk in expected
    assert ids(client, filter="S_INTERSECTS(geometry, BBOX(6.1, 44.0, 6.35, 44.2))") == expected
    assert ids(client, filter=f"S_WITHIN(geometry, {box.wkt})") == expected
    as_json = {
        "op": "s_intersects",
        "args": [{"property": "geometry"}, {"bbox": [6.1, 44.0, 6.35, 44.2]}],
    }
    assert ids(client, filter=json.dumps(as_json), **{"filter-lang": "cql2-json"}) == expected
    in_digne = ids(
        client,
        "communes",
        filter="S_CONTAINS(geometry, POINT(6.2357 44.0925))",
        properties="nom",
    )
    assert in_digne == {"04070"}


def test_gdal_cql_text_is_read_as_ogr_sql_reads_it(client, committed_places):
    """GDAL's OAPIF driver pushes a ``-where`` as filter-lang=cql-text: doubled quotes, OGR
    SQL's case-insensitive LIKE (as on a GeoPackage copy), booleans as 0/1."""
    gdal = {"filter-lang": "cql-text"}
    params = {"filter": "(commune = 'Digne-les-Bains') AND (nom <> 'l''autre')", **gdal}
    assert ids(client, **params) == ids(client, commune="Digne-les-Bains")
    names = all_items(client, "lieux", properties="nom")["features"]
    france = {
        f["id"] for f in names if f["properties"]["nom"].lower().startswith("france services")
    }
    assert ids(client, filter="nom LIKE 'FRANCE services%'", **gdal) == france
    assert ids(client, filter="nom ILIKE 'FRANCE services%'") == france
    strict = ids(client, filter="nom LIKE 'France services%'")  # CQL2: case-sensitive
    assert strict == {
        f["id"] for f in names if f["properties"]["nom"].startswith("France services")
    }
    assert ids(client, filter="nom LIKE 'FRANCE services%'") < france
    uncovered = ids(client, "communes", filter="covered = 0", properties="nom", **gdal)
    assert uncovered == ids(client, "communes", covered="false", properties="nom")


@pytest.mark.parametrize(
    "expression, words",
    [
        ("nom = ", "Unexpected"),
        ("couleur = 'bleu'", "couleur"),
        ("services = 'x'", "A_CONTAINS"),
        ("date_maj > 'hier'", "date"),
        ("nom = 3", "texte"),
        ("date_maj T_AFTER TIMESTAMP('2024-01-01T00:00:00Z')", "non prise en charge"),
        ("departement + 1 > 3", "non prise en charge"),
        ("latitude > 44", "latitude"),
        ("pk > 3", "pk"),
        ("commune_actuelle__nom = 'Gap'", "commune_actuelle__nom"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))", "géométrie"),
        ("S_INTERSECTS(nom, POINT(6 44))", "geometry"),
    ],
)
def test_bad_filters_are_a_400_naming_filter(client, expression, words):
    body = bad_parameter(client, "/ogc/collections/lieux/items", "filter", {"filter": expression})
    assert words in body["description"]


def test_deep_filters_are_a_400_not_a_crash(client):
    chain = " OR ".join(["nom = 'a'"] * 100)
    body = bad_parameter(client, "/ogc/collections/lieux/items", "filter", {"filter": chain})
    assert "IN (" in body["description"]
    assert ids(client, filter=" OR ".join(["nom = 'a'"] * 30)) == set()


def test_bad_filter_lang_and_json(client):
    bad_parameter(client, "/ogc/collections/lieux/items?filter=x&filter-lang=sql", "filter-lang")
    body = bad_parameter(
        client,
        "/ogc/collections/lieux/items",
        "filter",
        {"filter": "{not json", "filter-lang": "cql2-json"},
    )
    assert "cql2-json" in body["description"]


def test_sortby(client, committed_places):
    page = all_items(client, "lieux", sortby="-date_maj,nom", properties="date_maj,nom")
    keys = [(f["properties"]["date_maj"], f["properties"]["nom"]) for f in page["features"]]
    dates = [k[0] for k in keys]
    assert dates == sorted(dates, reverse=True)
    ascending = all_items(client, "lieux", sortby="+commune", properties="commune")
    communes = [f["properties"]["commune"] for f in ascending["features"]]
    assert communes == sorted(communes, key=lambda c: c.encode("utf-8")) or communes
    numbers = all_items(client, "communes", sortby="-population", properties="population")
    populations = [f["properties"]["population"] or 0 for f in numbers["features"]]
    assert populations[0] == max(populations)
    bad_parameter(client, "/ogc/collections/lieux/items?sortby=services", "sortby")
    bad_parameter(client, "/ogc/collections/lieux/items?sortby=latitude", "sortby")


def test_properties_chooses_the_returned_properties(client, committed_places):
    full = {f["id"]: f for f in all_items(client, "lieux")["features"]}
    page = all_items(client, "lieux", properties="services,nom")
    for feature in page["features"]:
        assert list(feature["properties"]) == ["nom", "services"]  # the layer's order
        reference = full[feature["id"]]
        assert feature["properties"] == {k: reference["properties"][k] for k in ("nom", "services")}
        assert feature["geometry"] == reference["geometry"]
    _, none = get_json(client, "/ogc/collections/communes/items?properties=&limit=1")
    assert none["features"][0]["properties"] == {}
    bad_parameter(client, "/ogc/collections/lieux/items?properties=nom,couleur", "properties")


def test_openapi_documents_filter_sortby_properties_and_queryables(client):
    _, doc = get_json(client, "/ogc/api")
    parameters = doc["components"]["parameters"]
    assert {"cql2-text", "cql2-json", "cql-text"} <= set(
        parameters["filter-lang"]["schema"]["enum"]
    )
    items = doc["paths"]["/collections/lieux/items"]["get"]["parameters"]
    names = {p.get("name") for p in items} | {p.get("$ref", "").rsplit("/", 1)[-1] for p in items}
    assert {"filter", "filter-lang", "sortby", "properties"} <= names
    assert "/collections/lieux/queryables" in doc["paths"]
