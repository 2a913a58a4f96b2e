"""The places' text search reads the trigram index, never every place (issue 12: no request over
1 s on national data). Nationally, a condition the index ``place_search_trgm`` cannot answer
in the OR of a word (``pivot LIKE 'word%'`` for a word without a digit) made every ``?q=`` a
sequential scan computing ``word_similarity`` on each of the ~12,500 places (0.5 s a query,
three queries a request: 1-2 s under load)."""

import json

import pytest
from django.db import connection

from places.models import Place

pytestmark = pytest.mark.django_db


def plan_nodes(queryset) -> list[dict]:
    """Every node of the plan PostgreSQL chooses for ``queryset`` when it can avoid a
    sequential scan (the demo is small enough for a scan to be cheapest otherwise)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
    nodes, todo = [], [plan["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", []))
    return nodes


@pytest.mark.parametrize(
    "text",
    ["bonghe", "barcelonette", "Barcelonnette", "digne les bains", "mediatheque de dign"],
)
def test_a_text_search_is_answered_by_the_trigram_index(text):
    nodes = plan_nodes(Place.objects.public().search(text))
    scans = [node for node in nodes if node.get("Relation Name") == "places_place"]
    assert scans and all(node["Node Type"] != "Seq Scan" for node in scans), json.dumps(nodes)
    assert any(node.get("Index Name") == "place_search_trgm" for node in nodes), text


def test_numbers_still_find_siret_and_postal_codes():
    place = Place.objects.public().exclude(pivot="").filter(code_postal="05000").first()
    assert place is not None  # the demo's Médiathèque de Gap
    assert place in Place.objects.public().search(place.pivot[:9])
    assert place in Place.objects.public().search("05000")
    postal = Place.objects.public().filter(code_postal__startswith="05000")
    assert set(postal) <= set(Place.objects.public().search("05000"))
