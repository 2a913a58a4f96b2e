"""/api/v1/lieux/: RFC 7946 output, filters, pagination, revalidation and hostile parameters."""

import csv
import io
import json
import re

import pytest
from pyproj import Geod

from places.models import Place

from .factories import TOWNS, make_place

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")
URL = "/api/v1/lieux/"
STANDARD = json.load(open("fixtures/standard/schema.json", encoding="utf-8"))


def get_json(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content[:300]
    return response, json.loads(response.content)


def test_nearby_feature_collection_is_rfc_7946_with_the_standard_properties(client):
    sisteron = make_place("sisteron", "Maison France services de Sisteron")
    response, data = get_json(client, f"{URL}?near=6.2357,44.0925&radius_km=30&page_size=1000")
    assert response["Content-Type"] == "application/geo+json"
    assert data["type"] == "FeatureCollection" and "crs" not in data
    names = [f["name"] for f in STANDARD["fields"]]
    assert len(names) == 32
    for feature in data["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["id"], int)
        assert list(feature["properties"])[:32] == names
        lon, lat = feature["geometry"]["coordinates"]
        if feature["properties"]["location_precision"] == "source":
            assert feature["properties"]["longitude"] == pytest.approx(lon, abs=1e-6)
            assert feature["properties"]["latitude"] == pytest.approx(lat, abs=1e-6)
        else:  # at the commune's reference point: not a position of the place
            assert feature["properties"]["latitude"] is None
        expected = GEOD.inv(6.2357, 44.0925, lon, lat)[2]
        assert abs(feature["properties"]["distance_m"] - expected) < 1
        assert isinstance(feature["properties"]["services"], list)
    distances = [f["properties"]["distance_m"] for f in data["features"]]
    assert distances == sorted(distances)
    by_id = {f["id"]: f for f in data["features"]}
    assert abs(by_id[sisteron.pk]["properties"]["distance_m"] - 26_016.07) < 1
    assert data["numberMatched"] == len(data["features"]) > 1


def test_features_equal_the_places_one_by_one(client):
    """The SQL-built output says what the model says (reference serialisation on a sample)."""
    place = make_place(
        "barcelonnette",
        "Espace France services de l'Ubaye",
        courriels=["contact@ubaye.example.fr"],
        typologie=["RFS"],
        horaires="Mo-Fr 08:30-12:00",
    )
    _, feature = get_json(client, f"{URL}{place.pk}/")
    props = feature["properties"]
    assert feature["id"] == place.pk and props["id"] == f"tests:{place.source_id}"
    assert feature["geometry"] == {"type": "Point", "coordinates": [6.6517, 44.3868]}
    for name in ("nom", "commune", "code_postal", "code_insee", "adresse", "horaires"):
        assert props[name] == getattr(place, name)
    assert props["courriels"] == ["contact@ubaye.example.fr"]
    assert props["typologie"] == ["RFS"]
    assert props["date_maj"] == "2025-06-01"
    assert "distance_m" not in props


def test_hidden_and_deleted_places_are_not_served(client):
    hidden = make_place("digne", "Invisible", is_visible=False)
    get_json(client, f"{URL}{hidden.pk}/", status=404)
    response, data = get_json(client, f"{URL}null,null/", status=404)
    assert response["Content-Type"].startswith("application/json") and data["error"] == "not_found"
    _, data = get_json(client, f"{URL}?code_insee=04070&page_size=1000")
    assert hidden.pk not in {f["id"] for f in data["features"]}


def test_pagination_has_next_links_until_the_last_page(client):
    _, first = get_json(client, f"{URL}?departement=04&page_size=50")
    assert (
        first["numberMatched"]
        == Place.objects.public().located().filter(departement_code="04").count()
    )
    assert first["numberMatched"] > 50 and first["numberReturned"] == 50
    seen = [f["id"] for f in first["features"]]
    next_url = next(link["href"] for link in first["links"] if link["rel"] == "next")
    while next_url:
        _, page = get_json(client, next_url.replace("http://testserver", ""))
        seen += [f["id"] for f in page["features"]]
        next_url = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == first["numberMatched"]


def test_bbox_departement_code_insee_and_list_filters(client):
    gratuit = make_place("gap", "Gratuit à Gap", frais_a_charge=["Gratuit"])
    payant = make_place("gap", "Payant à Gap", frais_a_charge=["Payant"])
    _, data = get_json(
        client, f"{URL}?bbox=6.0,44.5,6.2,44.6&frais_a_charge=Gratuit&page_size=1000"
    )
    ids = {f["id"] for f in data["features"]}
    assert gratuit.pk in ids and payant.pk not in ids
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 6.0 <= lon <= 6.2 and 44.5 <= lat <= 44.6
        assert "Gratuit" in feature["properties"]["frais_a_charge"]
    _, data = get_json(client, f"{URL}?code_insee=05061&page_size=1000")
    assert {gratuit.pk, payant.pk} <= {f["id"] for f in data["features"]}
    _, data = get_json(client, f"{URL}?departement=974&page_size=5")
    assert data["numberMatched"] > 100
    assert all(f["geometry"]["coordinates"][1] < -20 for f in data["features"])


def test_q_and_open_now(client):
    make_place("manosque", "Médiathèque d'Herbès", horaires="24/7")
    _, data = get_json(client, f"{URL}?q=mediatheque%20herbes")
    assert [f["properties"]["nom"] for f in data["features"]] == ["Médiathèque d'Herbès"]
    _, data = get_json(client, f"{URL}?q=herbes&ouvert_maintenant=true")
    assert data["numberMatched"] == 1
    make_place("manosque", "Jamais ouvert à Herbès", horaires="off")
    _, data = get_json(client, f"{URL}?q=herbes&ouvert_maintenant=true")
    assert data["numberMatched"] == 1


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("bbox=nan,44,6,45", "bbox"),
        ("bbox=5,44,inf,45", "bbox"),
        ("bbox=5,44,6", "bbox"),
        ("bbox=6,45,5,44", "bbox"),
        ("bbox=5,44,6,1e400", "bbox"),
        ("bbox=44.09,6.23,200,7", "bbox"),
        ("bbox=1;DROP TABLE places_place,2,3,4", "bbox"),
        ("near=6.2357", "near"),
        ("near=44.0925,186.2357", "near"),
        ("near=-nan,44", "near"),
        ("near=6.2,44.1&radius_km=0", "radius_km"),
        ("near=6.2,44.1&radius_km=101", "radius_km"),
        ("near=6.2,44.1&radius_km=-5", "radius_km"),
        ("near=6.2,44.1&radius_km=1e308", "radius_km"),
        ("near=6.2,44.1&radius_km=vingt", "radius_km"),
        ("radius_km=10", "radius_km"),
        ("departement=99", "departement"),
        ("departement=04' OR 1=1--", "departement"),
        ("code_insee=12345", "code_insee"),
        ("code_insee=abc", "code_insee"),
        ("services=Réparation de vélos", "services"),
        ("frais_a_charge=gratuit", "frais_a_charge"),
        ("ouvert_maintenant=peut-être", "ouvert_maintenant"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page_size=1001", "page_size"),
        ("page_size=1e3", "page_size"),
        ("q=" + "x" * 101, "q"),
        ("radius=10", "radius"),
        ("format=shapefile", "format"),
        ("q=abc%00", "q"),
        ("bbox=%EF%BC%91,2,3,4", "bbox"),
        ("near=%D9%A1,44", "near"),
        ("near=1_0,44", "near"),
        ("bbox=5%25,44,6,45", "bbox"),
        ("services=100%25 gratuit", "services"),
        ("departement=", "departement"),
        ("code_insee=", "code_insee"),
        ("format=", "format"),
        ("q=", "q"),
        ("page=", "page"),
        ("ouvert_maintenant=", "ouvert_maintenant"),
        ("services=", "services"),
        ("typologie=BIBLIO", "typologie"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_parameter(client, query, parameter):
    response, data = get_json(client, f"{URL}?{query}", status=400)
    assert response["Content-Type"].startswith("application/json")
    assert data["error"] == "invalid_parameter"
    assert list(data["parameters"]) == [parameter]
    assert data["parameters"][parameter][0]  # a reason in words


def test_etag_gives_304_until_a_place_changes(client):
    place = make_place("digne", "Lieu suivi")
    url = f"{URL}?code_insee=04070&page_size=1000"
    first, _ = get_json(client, url)
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    place.nom = "Lieu suivi, renommé"
    place.save()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Lieu suivi, renommé" in changed.content.decode()
    place.is_visible = False
    place.save()
    hidden = client.get(url, headers={"If-None-Match": changed["ETag"]})
    assert hidden.status_code == 200 and "Lieu suivi" not in hidden.content.decode()


def test_radius_defaults_to_20_km(client):
    lon, lat = TOWNS["digne"][:2]
    make_place("digne", "À 19 km au nord", dy=0.171)
    make_place("digne", "À 21 km au nord", dy=0.189)
    _, data = get_json(client, f"{URL}?near={lon},{lat}&page_size=1000")
    names = {f["properties"]["nom"] for f in data["features"]}
    assert "À 19 km au nord" in names and "À 21 km au nord" not in names
    assert max(f["properties"]["distance_m"] for f in data["features"]) <= 20_000


def test_csv_is_the_standard_for_the_same_filtered_places(client):
    make_place(
        "digne", "Point numérique, « Digne »", services=["Aide aux démarches administratives"]
    )
    query = "bbox=5.9,43.9,6.5,44.3&services=Aide aux démarches administratives"
    _, data = get_json(client, f"{URL}?{query}&page_size=1000")
    response = client.get(f"{URL}?{query}&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert list(rows[0]) == [f["name"] for f in STANDARD["fields"]]
    assert sorted(r["id"] for r in rows) == sorted(f["properties"]["id"] for f in data["features"])
    assert "Point numérique, « Digne »" in {r["nom"] for r in rows}
    assert all("Aide aux démarches administratives" in r["services"].split("|") for r in rows)


def test_open_now_answers_are_not_revalidated_across_minutes(client, monkeypatch):
    from datetime import UTC, datetime

    from django.utils import timezone

    make_place("forcalquier", "Ouvert le mardi matin", horaires="Tu 09:00-12:00")
    url = f"{URL}?code_insee=04088&ouvert_maintenant=true"
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    open_at_10, data = get_json(client, url)  # 10:00 in Forcalquier
    assert "Ouvert le mardi matin" in {f["properties"]["nom"] for f in data["features"]}
    assert "Last-Modified" not in open_at_10
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    later = client.get(url, headers={"If-None-Match": open_at_10["ETag"]})
    assert later.status_code == 200  # 13:00: closed, a new answer
    assert "Ouvert le mardi matin" not in later.content.decode()


def test_304_also_for_gzip_clients_whose_etag_came_back_weak(client):
    url = f"{URL}?departement=05&page_size=1000"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip" and first["ETag"].startswith('W/"')
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_empty_and_unknown_values_are_refused_in_french_naming_each_parameter(client):
    _, data = get_json(client, f"{URL}?departement=&format=&near=5%25,44", status=400)
    assert data["parameters"] == {
        "departement": ["valeur vide : donnez une valeur ou retirez le paramètre"],
        "format": ["valeur vide : donnez une valeur ou retirez le paramètre"],
        "near": ["« 5% » n'est pas un nombre décimal"],
    }
    _, data = get_json(client, f"{URL}?radius=10", status=400)
    assert data["parameters"]["radius"][0].startswith("paramètre inconnu ; acceptés : bbox, ")
    assert "typologie" in data["parameters"]["radius"][0]


def test_typologie_filter_any_of_repeated_or_pipe_separated(client):
    bib = make_place("gap", "Bibliothèque test", typologie=["BIB"])
    mjc = make_place("gap", "MJC test", typologie=["MJC", "ASSO"])
    other = make_place("gap", "CCAS test", typologie=["CCAS"])
    for query in ("typologie=BIB|MJC", "typologie=BIB&typologie=MJC", "typologie=MJC | BIB"):
        _, data = get_json(client, f"{URL}?code_insee=05061&{query}&page_size=1000")
        ids = {f["id"] for f in data["features"]}
        assert {bib.pk, mjc.pk} <= ids and other.pk not in ids, query
        assert all({"BIB", "MJC"} & set(f["properties"]["typologie"]) for f in data["features"])


def test_openapi_parameters_come_from_the_filterset(client):
    from places.filters import PlaceFilterSet
    from places.querysets import LIST_FIELDS

    schema = json.loads(client.get("/api/schema/?format=json").content)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/lieux/"]["get"]["parameters"]}
    assert set(parameters) == set(PlaceFilterSet.parameter_names())
    for name, values in LIST_FIELDS.items():  # typologie included
        assert parameters[name]["schema"]["type"] == "array", name
        assert set(parameters[name]["schema"]["items"]["enum"]) == set(values), name
        assert parameters[name]["explode"] is True
    assert parameters["radius_km"]["schema"] == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 100,
        "default": 20,
    }
    assert parameters["page_size"]["schema"]["maximum"] == 1000
    assert parameters["page"]["schema"]["minimum"] == 1
    assert re.fullmatch(parameters["departement"]["schema"]["pattern"], "2A")
    assert re.fullmatch(parameters["bbox"]["schema"]["pattern"], "5.9,43.9,6.5,44.3")
    assert not re.fullmatch(parameters["bbox"]["schema"]["pattern"], "5.9,43.9,6.5,94")
    assert parameters["q"]["schema"]["maxLength"] == 100
    assert parameters["format"]["schema"]["enum"] == ["csv", "geojson", "json"]
    assert all(p["description"] for n, p in parameters.items() if n != "format")
