"""Headings go down one level at a time (axe-core 'heading-order', issue 11 #13): the annuaire
des acteurs went from its h1 straight to the cards' h3."""

import re

import pytest

from .factories import make_coordinator, make_place

pytestmark = pytest.mark.django_db


def levels(html: str) -> list[int]:
    main = html[html.index("<main") : html.index("</main>")]
    return [int(level) for level in re.findall(r"<h([1-6])\b", main)]


def assert_in_order(html: str):
    found = levels(html)
    assert found and found[0] == 1, found
    for before, after in zip(found, found[1:], strict=False):
        assert after <= before + 1, f"h{before} then h{after}: {found}"


@pytest.mark.parametrize("query", ["", "?role=mediateur", "?q=brouillon"])
def test_the_annuaire_des_acteurs_has_headings_in_order(client, query):
    assert_in_order(client.get(f"/mon-reseau/04/acteurs/{query}").content.decode())


def test_coordinator_pages_have_headings_in_order(client):
    coordinator = make_coordinator(departements=["04"], employer=make_place("digne"))
    client.force_login(coordinator.user)
    for path in ("/mon-equipe/", "/couverture/04/", "/couverture/04/?perimetre=equipe"):
        assert_in_order(client.get(path).content.decode())
