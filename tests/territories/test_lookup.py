"""Finding a commune as people type it: names without accents or hyphens, postal and old codes."""

import pytest
from django.db import connection

from geo_directory.territories.models import Commune

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    [
        "Digne-les-Bains",
        "digne les bains",
        "DIGNE-LES-BAINS",
        "Digne-les-Bains (04)",
        "04000",
        "04070",
    ],
)
def test_find_digne_however_it_is_typed(typed):
    assert Commune.objects.find(typed).code == "04070"


def test_old_code_finds_current_commune():
    assert Commune.objects.find("05120").code == "05001"  # Sainte-Marie -> its commune nouvelle


def test_st_is_saint_and_prefix_finds_the_most_populated():
    assert Commune.objects.find("St-Pierre").code == "97416"  # Saint-Pierre, La Réunion
    assert Commune.objects.find("barcelo").code == "04019"  # Barcelonnette


def test_unknown_text_finds_nothing():
    assert Commune.objects.find("Atlantide") is None
    assert Commune.objects.find("   ") is None


def test_suggestions_by_name_and_postal_code_prefix():
    names = list(Commune.objects.search("saint-").values_list("nom", flat=True)[:3])
    assert names and all(n.lower().startswith("saint") for n in names)
    codes = set(Commune.objects.search("0440").values_list("code", flat=True))
    assert "04019" in codes  # Barcelonnette, 04400


def test_name_lookup_uses_the_prefix_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Commune.objects.search("digne").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "commune_name_key_idx" in plan, plan
