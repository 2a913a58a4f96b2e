"""The "mon équipe" coverage (map, CSV, GeoJSON) follows the team rule of actors/permissions.py:
a coordinator whose profile is not yet validated gets the coverage everyone gets."""

import pytest

from actors import permissions
from geo_directory import spreadsheet
from tests.actors.factories import add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db

TEAM_VIEW = "Vue « mon équipe »"


@pytest.fixture
def team_in_barcelonnette(django_capture_on_commit_callbacks):
    """A coordinator of 04 whose only team member works in Barcelonnette (the stored coverage
    follows these writes, as after their commit)."""
    barcelonnette = make_place("barcelonnette", "Espace numérique de Barcelonnette")

    def build(validated):
        with django_capture_on_commit_callbacks(execute=True):
            coordinator = make_coordinator(departements=["04"], validated=validated)
            add_to_team(coordinator, make_actor("Membre", places=[barcelonnette]))
        return coordinator

    return build


def _priority_codes(response):
    assert response.status_code == 200
    return [row["code_insee"] for row in spreadsheet.read(response.content.decode())]


def test_one_rule_for_team_pages_and_team_coverage(team_in_barcelonnette):
    validated = team_in_barcelonnette(True)
    pending = team_in_barcelonnette(False)
    assert permissions.team_coverage_coordinator(validated.user) == validated
    assert permissions.team_coverage_coordinator(pending.user) is None
    assert permissions.can_manage_team(pending.user) is False


def test_a_coordinator_not_yet_validated_gets_no_team_coverage(client, team_in_barcelonnette):
    pending = team_in_barcelonnette(False)
    everyone = _priority_codes(client.get("/couverture/04/priorites.csv", {"seuil": "10"}))
    geojson_everyone = client.get("/couverture/04/priorites.geojson", {"seuil": "10"}).json()
    client.force_login(pending.user)
    team = {"seuil": "10", "perimetre": "equipe"}
    page = client.get("/couverture/04/", team).content.decode()
    assert TEAM_VIEW not in page and 'name="perimetre"' not in page
    assert _priority_codes(client.get("/couverture/04/priorites.csv", team)) == everyone
    geojson = client.get("/couverture/04/priorites.geojson", team).json()
    assert [f["id"] for f in geojson["features"]] == [f["id"] for f in geojson_everyone["features"]]


def test_a_validated_coordinator_keeps_the_team_coverage(client, team_in_barcelonnette):
    validated = team_in_barcelonnette(True)
    everyone = _priority_codes(client.get("/couverture/04/priorites.csv", {"seuil": "10"}))
    client.force_login(validated.user)
    team = {"seuil": "10", "perimetre": "equipe"}
    assert TEAM_VIEW in client.get("/couverture/04/", team).content.decode()
    mine = _priority_codes(client.get("/couverture/04/priorites.csv", team))
    # one team place covers far fewer communes than every place of 04
    assert len(mine) > len(everyone)
