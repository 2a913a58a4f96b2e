"""Two app servers, a streaming replica and Redis, as real processes (issue 14).

Public GETs read the replica; a coordinator's write on instance A is read back at once by the
same browser and, after replication, by an anonymous visitor on instance B, never older after
newer; the replica stopped, both instances answer from the primary, and read the replica again
once it is back; Redis stopped, pages still answer.
"""

import re
import uuid

import pytest
import requests

from actors.demo import DEMO_ACCOUNTS
from actors.models import Activity, Actor
from places.models import Place

from .conftest import MAX_LAG_S, wait_for

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = ["/", "/api/v1/lieux/?page_size=5", "/lieux/", "/couverture/04/"]


def activity_count(response) -> int:
    match = re.search(r"Lieux d'activité \((\d+)\)", response.text)
    assert match, f"no activity count on {response.url} ({response.status_code})"
    return int(match.group(1))


def search_on_each(servers) -> str:
    """A places search no cache holds (a word of its own) on each instance; the word."""
    word = f"replique{uuid.uuid4().hex[:10]}"
    for instance in (servers.a, servers.b):
        response = instance.get(f"/api/v1/lieux/?q={word}")
        assert response.status_code == 200 and response.json()["features"] == []
    return word


def replica_searched(servers, word: str) -> set[str]:
    """The app servers whose last query on the replica was that search of places."""
    return {
        name
        for name, query in servers.replica_backends()
        if "places_place" in query and word in query
    }


def test_a_public_get_is_answered_from_the_replica(servers):
    wait_for(  # the instances probe the replica every half second
        lambda: replica_searched(servers, search_on_each(servers)) == {"maillage-a", "maillage-b"},
        30,
        "both instances searching places on the replica",
        explain=lambda: (servers.replica_backends(), servers.a.get("/healthz").text),
    )
    health = servers.a.get("/healthz").json()
    assert health["database"] == "ok" and health["cache"] == {"shared": "redis", "status": "ok"}
    (replica,) = health["replicas"]
    assert replica["status"] == "ok" and replica["lag_s"] <= MAX_LAG_S


@pytest.fixture
def coordinator(django_db_blocker):
    """The demo coordinator of 04, signed in on instance A; the activity the test adds is
    removed afterwards (written by the servers, committed: the demo data stays as loaded)."""
    with django_db_blocker.unblock():
        actor = Actor.objects.get(external_id="demo-001")
        current = actor.activities.values_list("place__nom", flat=True)
        place = (
            Place.objects.public()
            .filter(departement_code="04")
            .exclude(nom__in=list(current))
            .order_by("pk")
            .first()
        )
    yield actor, place
    with django_db_blocker.unblock():
        Activity.objects.filter(actor=actor, place=place).delete()


def sign_in(instance, session: requests.Session) -> None:
    username, password, _ = DEMO_ACCOUNTS["demo-001"]
    session.get(instance.url + "/connexion/", timeout=15)
    response = session.post(
        instance.url + "/connexion/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": instance.url + "/connexion/"},
        timeout=15,
    )
    assert response.status_code == 200 and "sessionid" in session.cookies, response.text[:300]


def test_a_write_on_a_is_read_back_at_once_and_on_b_never_older_after_newer(servers, coordinator):
    actor, place = coordinator
    page = f"/acteurs/{actor.pk}/"
    visitor = requests.Session()
    before = activity_count(servers.b.get(page, visitor))

    browser = requests.Session()
    sign_in(servers.a, browser)
    added = browser.post(
        servers.a.url + "/mon-profil/lieux/ajouter/",
        {
            "departement": "04",
            "place": place.pk,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": servers.a.url + "/mon-profil/"},
        timeout=15,
    )
    assert added.status_code == 200 and "ajouté à vos lieux" in added.text
    assert "maillage_ecrit" in browser.cookies  # read-your-writes for the next seconds
    # The same browser, at once, on A: its write, whatever the replica has replayed.
    mine = servers.a.get(page, browser)
    assert activity_count(mine) == before + 1 and place.nom in mine.text

    # An anonymous visitor on B: the write after replication, and never the older page again.
    seen = [activity_count(servers.b.get(page, visitor))]
    wait_for(
        lambda: seen.append(activity_count(servers.b.get(page, visitor))) or seen[-1] > before,
        30,
        "the write on instance B",
        interval=0.02,
    )
    seen += [activity_count(servers.b.get(page, visitor)) for _ in range(10)]
    first_new = seen.index(before + 1)
    assert set(seen[first_new:]) == {before + 1}, seen
    # ...and its pages read the replica again once it has replayed the write.
    assert wait_for(
        lambda: servers.replica.sql(
            "SELECT count(*) FROM actors_activity WHERE actor_id = %s AND place_id = %s",
            actor.pk,
            place.pk,
            dbname=servers.dbname,
        )[0][0],
        30,
        "the activity on the replica",
    )


def test_the_replica_stopped_both_instances_answer_from_the_primary_then_read_it_again(servers):
    servers.replica.stop()
    try:
        for _ in range(3):
            for instance in (servers.a, servers.b):
                for path in PUBLIC_PATHS:
                    response = instance.get(path)
                    assert response.status_code == 200, (instance.name, path, response.text[:200])
        health = servers.b.get("/healthz")
        assert health.status_code == 200
        assert health.json()["replicas"][0]["status"] == "unavailable"
    finally:
        servers.replica.start()

    def reads_replica_again():
        names = replica_searched(servers, search_on_each(servers))
        seen.append((names, servers.a.get("/healthz").json()["replicas"]))
        return names == {"maillage-a", "maillage-b"}

    seen = []
    wait_for(
        reads_replica_again,
        30,
        "both instances reading the replica again",
        interval=0.3,
        explain=lambda: seen[-1],
    )


def test_redis_stopped_pages_still_answer(servers):
    servers.redis.stop()
    try:
        for instance in (servers.a, servers.b):
            for path in [*PUBLIC_PATHS, "/tiles/communes/6/33/23.pbf"]:
                response = instance.get(path)
                assert response.status_code < 500, (instance.name, path, response.status_code)
        health = servers.a.get("/healthz")
        assert health.status_code == 200
        assert health.json()["cache"]["status"] == "unavailable"
    finally:
        servers.redis.start()
