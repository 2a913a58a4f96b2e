""" "Mon réseau" for 04 and 05: the counts equal counts computed here from the fixture files alone.

Independent of the importers: a place's département is read from its own file (its point inside
the département outline of fixtures/territories, else its INSEE code, else its postal code);
an actor counts when `valide=oui` and their employer or a place of activity is in the
département; a place counts (every demo place is visible) when it lies in the département.
"""

import csv
import json
from pathlib import Path

import pytest
from shapely import contains_xy
from shapely.geometry import shape

from places.importers.demo import PLACE_FILES

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEPARTEMENTS = ("04", "05", "974")


def _outlines():
    return {
        code: shape(
            json.loads(
                next((FIXTURES / "territories").glob(f"departement-{code}-*.geojson")).read_text()
            )["geometry"]
        )
        for code in DEPARTEMENTS
    }


def _departement(row, outlines):
    try:
        lat, lon = float(row["latitude"]), float(row["longitude"])
    except (KeyError, TypeError, ValueError):
        code = row.get("code_insee") or row.get("insee_com") or row.get("code_postal") or ""
        return next((dep for dep in DEPARTEMENTS if code.startswith(dep)), None)
    return next((dep for dep, shape_ in outlines.items() if contains_xy(shape_, lon, lat)), None)


def fixture_places():
    """(source, id) -> département (or None) for every row of the demo place files."""
    outlines, places = _outlines(), {}
    for name, source in PLACE_FILES:
        path = FIXTURES / "places" / name
        if path.suffix == ".csv":
            with open(path, encoding="utf-8", newline="") as handle:
                rows = [{**row, "id": row["id_fs"]} for row in csv.DictReader(handle)]
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))
        for index, row in enumerate(rows):
            places[(source, str(row.get("id")), index)] = _departement(row, outlines)
    return places


def expected_counts(code):
    places = fixture_places()
    by_key = {f"{source}:{ident}": dep for (source, ident, _), dep in places.items()}
    with open(FIXTURES / "actors" / "actors-demo.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    actors = 0
    for row in rows:
        keys = [k for k in row["lieux_activite"].split("|") + [row["employeur"]] if k]
        if row["valide"] == "oui" and any(by_key[key] == code for key in keys):
            actors += 1
    return actors, sum(1 for dep in places.values() if dep == code)


@pytest.mark.parametrize("code", ["04", "05"])
def test_mon_reseau_counts_equal_the_fixture_files(client, code):
    actors, places = expected_counts(code)
    assert actors > 20 and places > 50
    response = client.get(f"/mon-reseau/{code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<span class="stat" id="stat-acteurs-n">{actors}</span>' in html
    assert f'<span class="stat" id="stat-lieux-n">{places}</span>' in html
    assert "Acteurs de l'inclusion numérique" in html and "Lieux d'inclusion numérique" in html
    assert f'href="/mon-reseau/{code}/acteurs/">Voir l\'annuaire des acteurs' in html
    assert f'href="/mon-reseau/{code}/lieux/">Voir l\'annuaire des lieux' in html
    assert f'href="/couverture/{code}/"' in html

    api = client.get(f"/api/v1/departements/{code}/reseau/").json()
    assert (api["acteurs"], api["lieux"]) == (actors, places)
    assert api["liens"]["annuaire_lieux"].endswith(f"/mon-reseau/{code}/lieux/")


def test_picker_lists_the_demo_departements_and_goes_to_the_chosen_one(client):
    html = client.get("/mon-reseau/").content.decode()
    for code in DEPARTEMENTS:
        assert f'<option value="{code}">' in html
    response = client.get("/mon-reseau/?departement=05")
    assert response.status_code == 302 and response["Location"] == "/mon-reseau/05/"
    assert client.get("/mon-reseau/?departement=<script>").status_code == 200
    assert client.get("/mon-reseau/99/").status_code == 404
    assert client.get("/api/v1/departements/99/reseau/").status_code == 404


def test_annuaire_pages_filters_and_sorts(client):
    url = "/mon-reseau/04/acteurs/"
    first = client.get(url)
    assert first.status_code == 200
    page = first.context["page"]
    assert page.paginator.per_page == 20 and len(page.object_list) == 20
    names = [(a.last_name, a.first_name) for a in page.object_list]
    assert names == sorted(names)
    reverse = [(a.last_name, a.first_name) for a in client.get(f"{url}?tri=za").context["page"]]
    assert reverse == sorted(reverse, reverse=True)
    assert all(a.visibility_consent for a in page.paginator.object_list)  # public view
    card = page.object_list[0]
    assert f"{card.place_count} lieu" in first.content.decode()

    cnfs = client.get(f"{url}?role=conseiller_numerique").context["page"].paginator.object_list
    assert cnfs and all("conseiller_numerique" in a.roles for a in cnfs)
    jp = client.get(f"{url}?q=JEAN+PIERRE").context["page"].object_list
    assert [a.full_name for a in jp] == ["Jean-Pierre Exemplaire"]
    place = jp[0].activities.current().first().place
    at_place = client.get(f"{url}?lieu={place.pk}").context["page"].paginator.object_list
    assert jp[0] in at_place
    in_commune = client.get(f"{url}?commune={place.commune_actuelle_id}").context["page"]
    assert jp[0] in in_commune.paginator.object_list


@pytest.mark.parametrize("query", ["role=chef", "commune=<b>", "lieu=abc", "lieu=99999999"])
def test_annuaire_rejects_hostile_filters_with_a_named_error(client, query):
    response = client.get(f"/mon-reseau/04/acteurs/?{query}")
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "errorlist" in response.content.decode()
