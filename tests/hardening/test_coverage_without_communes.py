"""A known département whose communes are not loaded (issue 12, #8): its coverage page answers
200 with a French message, not folium's "The field nom is not available" as a 500. The demo
loads the communes of three départements only: the other 106 are in this case."""

import pytest
from django.db.models import Count

from geo_directory.territories.models import Departement

pytestmark = pytest.mark.django_db


def departements_without_communes():
    return Departement.objects.annotate(n=Count("communes")).filter(n=0).order_by("code")


def test_the_demo_has_departements_without_communes():
    assert departements_without_communes().count() >= 100


@pytest.mark.parametrize("code", ["75", "2A", "971"])
def test_a_departement_without_communes_says_so(client, code):
    assert departements_without_communes().filter(code=code).exists()
    response = client.get(f"/couverture/{code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Aucune commune n'est chargée pour" in page
    assert "Toutes les communes sont couvertes" not in page


def test_every_departement_without_communes_answers(client):
    statuses = {
        code: client.get(f"/couverture/{code}/").status_code
        for code in departements_without_communes().values_list("code", flat=True)
    }
    assert set(statuses.values()) == {200}, {c: s for c, s in statuses.items() if s != 200}


def test_a_departement_with_communes_has_no_such_message(client):
    page = client.get("/couverture/04/").content.decode()
    assert "Aucune commune n'est chargée" not in page and "Barcelonnette" in page
