"""The standard's fields and value lists in places/standard.py are those of schema.json."""

import json
import re

from django.conf import settings

from places import standard
from places.models import Place


def schema():
    path = settings.FIXTURES_DIR / "standard" / "schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_fields_are_the_32_of_the_schema_in_order():
    names = tuple(f["name"] for f in schema()["fields"])
    assert len(names) == 32
    assert standard.FIELDS == names


def test_every_model_field_is_a_place_column():
    columns = {f.name for f in Place._meta.get_fields()}
    assert set(standard.MODEL_FIELDS) <= columns


def test_value_lists_match_the_schema_patterns():
    lists = standard.VALUE_LISTS
    with_patterns = {
        f["name"]
        for f in schema()["fields"]
        if f.get("constraints", {}).get("pattern", "").startswith("(?:(?:^|\\|)(")
    }
    assert set(lists) == with_patterns
    for field in schema()["fields"]:
        if field["name"] not in lists:
            continue
        pattern = re.compile(field["constraints"]["pattern"])
        values = lists[field["name"]]
        for value in values:
            assert pattern.search(value), (field["name"], value)
        assert pattern.search("|".join(values))
        assert not pattern.search("Valeur inconnue")
