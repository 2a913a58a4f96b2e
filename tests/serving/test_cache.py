"""Cached answers (geo_directory/cache.py) equal a fresh serialisation, revalidate with 304 and
follow every write: places API, communes coverage layer, home page and a département's map."""

import json
import re

import pytest
from django.contrib.auth import get_user_model

from coverage.services import apply_pending
from geo_directory import cache as response_cache
from geo_directory.territories.models import Commune, Departement
from places.filters import PlaceFilter
from places.models import Place
from tests.coverage.factories import make_mediator, make_place

pytestmark = pytest.mark.django_db

DIGNE_BBOX = "/api/v1/lieux/?bbox=5.9,43.9,6.5,44.3&page_size=100"
NEAR_DIGNE = "/api/v1/lieux/?near=6.2357,44.0925&radius_km=20&page_size=10"
DEPARTEMENT_04 = "/api/v1/lieux/?departement=04&page_size=100"
COMMUNES_04 = "/api/v1/communes/?departement=04"


@pytest.fixture
def cache_spy(monkeypatch):
    """Which namespaces were answered from the cache (True) or not (False), in order, from an
    empty cache."""
    response_cache.clear()
    seen = []
    original = response_cache.get

    def spy(namespace, parts, **options):
        value = original(namespace, parts, **options)
        seen.append((namespace, value is not None))
        return value

    monkeypatch.setattr(response_cache, "get", spy)
    return seen


def reference_places(query: str) -> dict:
    """The same page written by the layer's reference serializer (drf-gis)."""
    from django.http import QueryDict

    from places.layer import PLACES

    search = PlaceFilter.from_query(QueryDict(query))
    queryset = search.apply(PLACES.serializer_instances(PLACES.rows()))[: search.page_size]
    return json.loads(json.dumps({"features": PLACES.serialize(queryset)}))


@pytest.mark.parametrize("url", [DIGNE_BBOX, NEAR_DIGNE, DEPARTEMENT_04])
def test_places_answer_from_the_cache_equals_the_reference_serialisation(client, cache_spy, url):
    first = client.get(url)
    found_first = [hit for name, hit in cache_spy if name == "places-geojson"]
    second = client.get(url)
    found = [hit for name, hit in cache_spy if name == "places-geojson"]
    assert not any(found_first) and found[len(found_first) :] == [True]  # built, then kept
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert second["Content-Type"] == "application/geo+json"
    body = json.loads(second.content)
    reference = reference_places(url.split("?", 1)[1])
    assert body["features"], "the demo territory has places around Digne-les-Bains"
    assert [f["id"] for f in body["features"]] == [f["id"] for f in reference["features"]]
    for ours, ref in zip(body["features"], reference["features"], strict=True):
        assert ours["geometry"] == ref["geometry"]
        assert {k: ours["properties"][k] for k in ref["properties"]} == ref["properties"]


def test_places_cache_is_per_host_and_media_type(client, cache_spy):
    plain = client.get(DIGNE_BBOX)
    other_host = client.get(DIGNE_BBOX, HTTP_HOST="localhost")
    as_json = client.get(DIGNE_BBOX + "&format=json")
    looked_up = [hit for name, hit in cache_spy if name == "places-geojson"]
    assert looked_up and not any(looked_up)  # three answers, none found for another
    assert "://localhost/" in json.loads(other_host.content)["links"][0]["href"]
    assert "://testserver/" in json.loads(plain.content)["links"][0]["href"]
    assert as_json["Content-Type"] == "application/json"


def test_places_revalidation_is_304_until_a_place_changes(client):
    first = client.get(DIGNE_BBOX)
    etag = first["ETag"]
    assert client.get(DIGNE_BBOX, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(DIGNE_BBOX, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    since = first["Last-Modified"]
    assert client.get(DIGNE_BBOX, HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    shown = json.loads(first.content)["features"][0]["id"]
    # A bulk update leaves updated_at as it was: the validators must change all the same.
    Place.objects.filter(pk=shown).update(nom="Espace numérique renommé de Digne")
    changed = client.get(DIGNE_BBOX, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    names = {f["properties"]["nom"] for f in json.loads(changed.content)["features"]}
    assert "Espace numérique renommé de Digne" in names


def test_a_new_place_is_in_the_next_answer(client):
    before = json.loads(client.get(NEAR_DIGNE).content)
    place = make_place("digne", suffix=" (nouveau)")
    after = json.loads(client.get(NEAR_DIGNE).content)
    assert place.pk not in {f["id"] for f in before["features"]}
    assert after["features"][0]["id"] == place.pk  # on the town hall, nearest of all


def test_communes_layer_from_the_cache_equals_a_fresh_serialisation(client, cache_spy):
    first = client.get(COMMUNES_04)
    second = client.get(COMMUNES_04)
    assert [hit for name, hit in cache_spy if name == "communes-geojson"] == [False, True]
    assert second.content == first.content
    from coverage.layer import COMMUNES

    reference = json.loads(json.dumps(COMMUNES.serialize(COMMUNES.rows().filter(departement="04"))))
    body = json.loads(second.content)
    assert len(body["features"]) == len(reference) > 150
    for ours, ref in zip(body["features"], reference, strict=True):
        assert ours == ref


def test_an_activity_ending_changes_the_cached_communes_layer(client):
    place = make_place("digne", suffix=" (cache)")
    place.location = Commune.objects.get(code="04037").reference_point  # Le Caire
    place.save()
    activity = make_mediator(place)
    apply_pending()  # what the commit of a write runs (a test's transaction never commits)

    def le_caire():
        body = json.loads(client.get(COMMUNES_04 + "&threshold_km=5").content)
        return next(f for f in body["features"] if f["id"] == "04037")["properties"]

    assert le_caire()["covered"] and le_caire()["nearest_place_id"] == place.pk  # second: a hit
    type(activity).objects.filter(pk=activity.pk).end()
    apply_pending()
    assert le_caire()["nearest_place_id"] != place.pk


def test_home_page_is_shared_by_anonymous_visitors_and_follows_the_communes(client, cache_spy):
    client.get("/")
    assert client.get("/").status_code == 200
    assert cache_spy == [("home-page", False), ("home-page", True)]
    Commune.objects.filter(code="04070").update(population=1_234_567)  # Digne-les-Bains
    total = Departement.objects.territory_summary().get(code="04").population
    page = re.sub(r"(?<=\d)[\s\u202f\xa0.,](?=\d)", "", client.get("/").content.decode())
    assert f">{total}<" in page and cache_spy[-1] == ("home-page", False)


def without_nonce(response) -> bytes:
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    return response.content.replace(nonce.encode(), b"NONCE")


def test_departement_map_is_cached_for_visitors_but_never_for_a_signed_in_person(client, cache_spy):
    anonymous = client.get("/couverture/04/")
    # the same page, but for each answer's own CSP nonce (geo_directory/csp.py)
    assert without_nonce(client.get("/couverture/04/")) == without_nonce(anonymous)
    pages = [seen for seen in cache_spy if seen[0] == "coverage-departement-page"]
    assert pages == [
        ("coverage-departement-page", False),
        ("coverage-departement-page", True),
    ]
    user = get_user_model().objects.create_user("coordinatrice", password="x")
    client.force_login(user)
    signed_in = client.get("/couverture/04/")
    assert "Se déconnecter" in signed_in.content.decode()
    assert "Se déconnecter" not in anonymous.content.decode()
    # the signed-in rendering neither read nor filled the page cache
    assert [seen for seen in cache_spy if seen[0] == "coverage-departement-page"] == pages


def test_departement_map_follows_a_new_mediation_point(client):
    before = client.get("/couverture/04/").content.decode()
    place = make_place("barcelonnette", suffix=" (nouvelle permanence)")
    make_mediator(place)
    after = client.get("/couverture/04/").content.decode()
    assert "nouvelle permanence" not in before
    assert "nouvelle permanence" in after


def test_an_unreadable_cache_is_bypassed(client, monkeypatch, settings):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(response_cache.caches[response_cache.ALIAS], "get", broken)
    monkeypatch.setattr(response_cache.caches[response_cache.ALIAS], "set", broken)
    response = client.get(DIGNE_BBOX)
    assert response.status_code == 200 and json.loads(response.content)["features"]


def test_a_worker_reads_the_communes_layer_another_worker_built(client, monkeypatch):
    from coverage.api import CommuneCoverageList

    built = client.get(COMMUNES_04)
    response_cache.clear()  # another gunicorn worker: its own memory is empty

    def never(*args, **kwargs):
        raise AssertionError("built again instead of read from the shared file cache")

    monkeypatch.setattr(CommuneCoverageList, "_body", never)
    again = client.get(COMMUNES_04)
    assert again.status_code == 200 and again.content == built.content


def test_a_bad_parameter_is_still_a_400_and_never_cached(client, cache_spy):
    for _ in range(2):
        response = client.get(COMMUNES_04 + "&threshold_km=1000")
        assert response.status_code == 400
        assert "threshold_km" in json.loads(response.content)["parameters"]
    assert cache_spy == [("communes-query", False), ("communes-query", False)]


def test_communes_layer_has_last_modified_and_revalidates_by_date(client):
    first = client.get(COMMUNES_04)
    since = first["Last-Modified"]
    assert client.get(COMMUNES_04, HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    assert client.get(COMMUNES_04, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    place = make_place("barcelonnette", suffix=" (date)")
    make_mediator(place)
    changed = client.get(COMMUNES_04, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_reference_tables_bump_the_directory_version():
    """Importing the fragility index or renaming a département invalidates cached answers."""
    from coverage.models import DirectoryVersion, FragilityIndex

    def version():
        return DirectoryVersion.objects.values_list("version", flat=True).first() or 0

    before = version()
    FragilityIndex.objects.filter(code="04070").update(total=5.0)
    after_ifn = version()
    assert after_ifn > before
    Departement.objects.filter(code="04").update(nom="Alpes-de-Haute-Provence")
    assert version() > after_ifn
