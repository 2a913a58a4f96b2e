"""Costly requests, a fair share each (geo_directory/admission.py), against a live server with
real threads: two coordinators opening a costly page at the same instant are both served, while
a client sending a second costly request before its first is answered gets a quick 503.

The requests are held in flight by a lock on the communes table that every answer to build
reads, once admitted (taken from another connection), so "at the same instant" is certain, not a
race."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
import requests
from django.db import connections

from actors.demo import DEMO_ACCOUNTS
from geo_directory import admission
from geo_directory import cache as response_cache

pytestmark = pytest.mark.django_db
COSTLY_PAGE = "/api/v1/communes/?departement=04"
HELD_TABLE = "territories_commune"  # read by every build of COSTLY_PAGE, after its admission


@pytest.fixture
def site(demo_server, settings):
    """The live server with its defaults (2 shared slots, 1 per client), every kind already
    built counting as costly (the demo data is too small to be slow), nothing kept."""
    admission.COSTS.clear()
    settings.COSTLY_MS = 0
    settings.COSTLY_CONCURRENCY = 2
    settings.COSTLY_PER_CLIENT = 1
    learnt = requests.get(demo_server + COSTLY_PAGE + "&threshold_km=5", timeout=30)
    assert learnt.status_code == 200
    response_cache.clear()  # every answer of the tests is one to build
    yield demo_server
    admission.COSTS.clear()


def coordinator(server: str, account: str) -> requests.Session:
    """A signed-in coordinator's browser session."""
    username, password, _ = DEMO_ACCOUNTS[account]
    session = requests.Session()
    form = session.get(server + "/connexion/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = session.post(
        server + "/connexion/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, "login failed"
    return session


@contextmanager
def held_in_flight():
    """While inside, every answer to build waits for the communes; ``wait_for(n)`` returns once
    ``n`` requests are waiting (they have passed admission and hold their slots)."""
    params = connections["default"].settings_dict
    dsn = {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "dbname": params["NAME"],
        "user": params["USER"],
    }
    with psycopg.connect(**dsn) as lock, psycopg.connect(**dsn, autocommit=True) as watch:
        lock.execute(f"LOCK TABLE {HELD_TABLE} IN ACCESS EXCLUSIVE MODE")

        def wait_for(count: int):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                (waiting,) = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                    " AND wait_event_type = 'Lock' AND query LIKE %s",
                    (params["NAME"], f"%{HELD_TABLE}%"),
                ).fetchone()
                if waiting >= count:
                    return
                time.sleep(0.05)
            raise AssertionError(f"{count} requests were expected in flight, {waiting} are")

        try:
            yield wait_for
        finally:
            lock.rollback()  # the waiting requests go on


def test_two_coordinators_at_the_same_instant_are_both_served(site):
    first, second = coordinator(site, "demo-001"), coordinator(site, "demo-002")
    with ThreadPoolExecutor(2) as pool, held_in_flight() as wait_for:
        answers = [pool.submit(s.get, site + COSTLY_PAGE, timeout=20) for s in (first, second)]
        wait_for(2)  # both running at once, neither refused
    assert [a.result().status_code for a in answers] == [200, 200]


def test_a_flooding_client_is_refused_while_another_client_is_served(site):
    flooder = requests.Session()  # anonymous: counted by its address
    colleague = coordinator(site, "demo-001")
    with ThreadPoolExecutor(2) as pool, held_in_flight() as wait_for:
        flood = pool.submit(flooder.get, site + COSTLY_PAGE + "&threshold_km=20", timeout=20)
        wait_for(1)
        started = time.monotonic()
        again = flooder.get(site + COSTLY_PAGE + "&threshold_km=30", timeout=20)
        refused_in = time.monotonic() - started
        served = pool.submit(colleague.get, site + COSTLY_PAGE + "&threshold_km=30", timeout=20)
        wait_for(2)  # the colleague runs beside the flooder's first request
    assert again.status_code == 503 and again.headers["Retry-After"] == "2"
    assert "une à la fois par visiteur" in again.json()["detail"]
    assert refused_in < 2  # refused at once, not after the first answer
    assert flood.result().status_code == 200 and served.result().status_code == 200
    assert requests.get(site + COSTLY_PAGE, timeout=30).status_code == 200  # its turn again


def test_a_made_up_session_cookie_is_no_new_client(site, settings):
    """Random cookies do not buy a flooder more shares: an invalid session is its address."""
    with ThreadPoolExecutor(1) as pool, held_in_flight() as wait_for:
        first = pool.submit(requests.get, site + COSTLY_PAGE, timeout=20)
        wait_for(1)
        forged = requests.get(
            site + COSTLY_PAGE, cookies={settings.SESSION_COOKIE_NAME: "x" * 32}, timeout=20
        )
    assert forged.status_code == 503
    assert first.result().status_code == 200


def test_the_shared_limit_still_holds_for_many_clients(site, settings):
    settings.COSTLY_CONCURRENCY = 1
    first, second = coordinator(site, "demo-001"), coordinator(site, "demo-002")
    with ThreadPoolExecutor(1) as pool, held_in_flight() as wait_for:
        running = pool.submit(first.get, site + COSTLY_PAGE, timeout=20)
        wait_for(1)
        refused = second.get(site + COSTLY_PAGE, timeout=20)
    assert refused.status_code == 503 and "réessayez" in refused.json()["detail"]
    assert running.result().status_code == 200
