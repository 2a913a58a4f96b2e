""" "Mon réseau" costs a handful of queries whatever the number of départements loaded (it cost
two count queries per département: 199 on national data)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actors.models import Actor
from actors.querysets import places_in_network
from geo_directory.territories.models import Commune, Departement
from tests.actors.factories import make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db

HANDFUL = 5


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _add_communes_in_new_departements(count):
    """One commune in ``count`` départements that had none (they then appear on the picker)."""
    empty = Departement.objects.filter(communes__isnull=True).order_by("code")[:count]
    for departement in empty:
        Commune.objects.create(
            code=f"{departement.code}999"[:5],
            nom=f"Commune test {departement.code}",
            departement=departement,
            population=100,
        )
    return len(empty)


def _picker_counts(html):
    return {
        code: (int(actors), int(places))
        for code, actors, places in re.findall(
            r"<td>(\w+) — [^<]*</td>\s*<td class=\"num\">(\d+)</td>\s*<td class=\"num\">(\d+)</td>",
            html,
        )
    }


def test_picker_costs_a_handful_of_queries_on_the_demo(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(HANDFUL):
        assert client.get("/mon-reseau/").status_code == 200


def test_picker_queries_do_not_grow_with_the_departements(client):
    before = _queries(client, "/mon-reseau/")
    assert _add_communes_in_new_departements(20) == 20
    assert _queries(client, "/mon-reseau/") == before


def test_picker_counts_are_the_network_counts_of_each_departement(client):
    digne = make_place("digne", "Lieu compté")
    make_actor("Comptée", places=[digne])
    make_actor("Employée", employer=make_place("gap"))
    make_actor("Non validée", places=[digne], validated=False)
    shown = _picker_counts(client.get("/mon-reseau/").content.decode())
    assert set(shown) == set(Departement.objects.territory_summary().values_list("code", flat=True))
    for code, (actors, places) in shown.items():
        assert actors == Actor.objects.in_network(code).count(), code
        assert places == places_in_network(code).count(), code
    assert shown["04"][0] > 0 and shown["05"][0] > 0
    network = client.get("/mon-reseau/04/").content.decode()
    assert f'id="stat-acteurs-n">{shown["04"][0]}<' in network
    assert f'id="stat-lieux-n">{shown["04"][1]}<' in network


def test_a_departement_page_costs_a_handful_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(HANDFUL):
        assert client.get("/mon-reseau/04/").status_code == 200
    coordinator = make_coordinator(departements=["04"])
    client.force_login(coordinator.user)
    # the session and the user's actor come on top
    with django_assert_max_num_queries(HANDFUL + 3):
        assert client.get("/mon-reseau/").status_code == 200
    with django_assert_max_num_queries(HANDFUL + 3):
        assert client.get("/mon-reseau/04/").status_code == 200
