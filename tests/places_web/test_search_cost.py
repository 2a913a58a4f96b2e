"""The public search page's cost (issue 13, 12, 11): a handful of queries whatever the radius,
at most one page of places read and drawn, and the same-place groups built when places are
written, never rebuilt by a read after a write elsewhere (actors, activities, coverage)."""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geo_directory import cache
from places import same_place
from places.models import Place

from ..actors.factories import make_actor
from .factories import make_place

pytestmark = pytest.mark.django_db


PAGE_SIZE = 20
BARCELONNETTE = "France services Barcelonnette"
# The search of pairs of likely duplicates (places.duplicates.candidate_pairs).
DUPLICATES_SQL = "JOIN places_place b"


def search(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_a_search_page_costs_four_queries_whatever_the_radius(client):
    search(client, "/lieux/?commune=Digne-les-Bains&rayon=5")  # the groups of this version
    for radius in (10, 50, 100):
        page, queries = search(client, f"/lieux/?commune=Digne-les-Bains&rayon={radius}")
        # the data's and the places' versions (the key of the page kept for anonymous
        # visitors), the commune, the search's ids and distances, the page's records
        assert len(queries) <= 5, (radius, queries)
        assert not any("__count" in sql for sql in queries)  # the count comes from the ids


def test_a_100_km_search_reads_and_draws_one_page_of_places(client):
    page, queries = search(client, "/lieux/?commune=Digne-les-Bains&rayon=100")
    total = int(re.search(r"(\d+) lieux à moins de 100 km", page).group(1))
    assert total > PAGE_SIZE  # the demo territory has more than a page there
    listed = re.findall(r'data-place-id="(\d+)"', page)
    markers = re.findall(r'"placeId": (\d+)', page)
    assert len(listed) == PAGE_SIZE and markers == listed
    # only the page's records (and the other records of their real places) are read whole
    whole = [sql for sql in queries if '"places_place"."horaires"' in sql]
    assert len(whole) == 1 and len(re.findall(r"\d+", whole[0].split(" IN (")[1])) <= 2 * PAGE_SIZE
    assert len(page.encode()) < 60_000  # was ~50 kB for folium's map of 20 markers alone
    assert 'rel="next"' in page and f"Page 1 sur {-(-total // PAGE_SIZE)}" in page


def test_a_write_elsewhere_does_not_rebuild_the_duplicate_groups(client):
    search(client, "/lieux/?commune=Barcelonnette")
    make_actor(first_name="Camille", last_name="Martin")  # bumps the directory's version
    page, queries = search(client, "/lieux/?commune=Barcelonnette&rayon=30")
    assert not any(DUPLICATES_SQL in sql for sql in queries)
    assert len(queries) <= 5


def test_a_place_written_rebuilds_the_groups_at_commit_not_on_the_next_read(
    client, django_capture_on_commit_callbacks
):
    search(client, "/lieux/?commune=Barcelonnette")
    known = Place.objects.get(pk=21)  # France services Barcelonnette, also 602 (Hub du Sud)
    with CaptureQueriesContext(connection) as writing:
        with django_capture_on_commit_callbacks(execute=True):
            twin = make_place(
                "barcelonnette", BARCELONNETTE, location=known.location, adresse=known.adresse
            )
    assert any(DUPLICATES_SQL in q["sql"] for q in writing.captured_queries)  # at commit
    page, queries = search(client, "/lieux/?commune=Barcelonnette&rayon=20")
    assert not any(DUPLICATES_SQL in sql for sql in queries) and len(queries) <= 5
    # the new record is one of the real place's records, not a second row
    assert twin.pk in same_place.current().of(21)
    listed = [int(pk) for pk in re.findall(r'data-place-id="(\d+)"', page)]
    assert len({21, 602, twin.pk} & set(listed)) == 1


def test_the_same_search_again_is_the_page_kept_for_anonymous_visitors(client):
    first, _ = search(client, "/lieux/?commune=Digne-les-Bains&rayon=10")
    again, queries = search(client, "/lieux/?commune=Digne-les-Bains&rayon=10")
    assert len(queries) == 2, queries  # the data's and the places' versions: nothing else
    nonce = re.compile(r"nonce-[^']+'|nonce=\"[^\"]+\"")
    assert nonce.sub("", again) == nonce.sub("", first)
    make_place("digne", "Espace numérique de la gare")  # a write: a new page
    after, queries = search(client, "/lieux/?commune=Digne-les-Bains&rayon=10")
    assert "Espace numérique de la gare" in after and len(queries) > 2


def kept_pages(client, url: str) -> list:
    with mock.patch("geo_directory.cache.put", wraps=cache.put) as put:
        search(client, url)
    return [call for call in put.call_args_list if call.args[0] == "search-page"]


def test_a_search_from_a_position_is_not_kept_a_communes_is(client):
    assert kept_pages(client, "/lieux/?lon=6.2357&lat=44.0925&rayon=20") == []
    assert len(kept_pages(client, "/lieux/?commune=Digne-les-Bains&rayon=20")) == 1


# A person moving "near me" around Digne-les-Bains: ~50 m apart.
NEAR_ME, MOVED = (6.2357, 44.0925), (6.2362, 44.0929)
WHOLE_RECORDS = '"places_place"."horaires"'  # a query reading places' records whole


def near_me(lon: float, lat: float) -> str:
    return f"/lieux/?lon={lon}&lat={lat}&rayon=30"


def listed(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-place-id="(\d+)"', page)]


def test_a_moved_position_lists_its_places_without_reading_their_records_again(client):
    first, queries = search(client, near_me(*NEAR_ME))
    assert len(listed(first)) == PAGE_SIZE
    assert sum(WHOLE_RECORDS in sql for sql in queries) == 1
    again, queries = search(client, near_me(*MOVED))
    assert set(listed(again)) == set(listed(first))  # the same places (nearest first)
    assert not any(WHOLE_RECORDS in sql for sql in queries), queries
    # the places' version beside the ids and distances, one statement, nothing else (the
    # groups and cards kept)
    assert len(queries) == 1 and "places_placesversion" in queries[0], queries
    # each at its own distance from the new position, in the list and on the map (the
    # marker's popup, "<" escaped in a script)
    on_map = re.findall(r"\\u003cbr\\u003eà ([\d,]+ km)", again)
    assert re.findall(r"<strong>([\d,]+ km)</strong>", again) == on_map


def test_a_place_renamed_is_listed_under_its_new_name_at_once(client):
    first, _ = search(client, near_me(*NEAR_ME))
    nearest = listed(first)[0]
    Place.objects.filter(pk=nearest).update(nom="Médiathèque renommée")  # the places' version
    page, _ = search(client, near_me(*MOVED))
    assert listed(page)[0] == nearest and "Médiathèque renommée" in page


def test_search_forms_share_their_field_declarations_and_keep_their_own_values():
    from django.http import QueryDict

    from places.forms import FILTER_FIELDS, SearchForm

    free = SearchForm(QueryDict("commune=Digne-les-Bains&frais_a_charge=Gratuit"))
    other = SearchForm(QueryDict("commune=Gap&rayon=7"))
    # declared once: no field copied, nor the filters' built again, for each request
    for name in ["commune", "rayon", *FILTER_FIELDS]:
        assert free.fields[name] is other.fields[name], name
    assert free.is_valid() and free.cleaned_data["frais_a_charge"] == ["Gratuit"]
    assert not other.is_valid() and "rayon" in other.errors
    assert re.search(r'value="Gratuit"[^>]* checked', str(free["frais_a_charge"]))
    assert "checked" not in str(other["frais_a_charge"])
    assert "rayon" not in free.errors
