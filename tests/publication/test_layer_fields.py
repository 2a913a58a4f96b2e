"""A layer field parses the values of its equality filter, whatever door asks: a bad value is a
ParameterError naming the field, never a 500."""

from datetime import date

import pytest

from coverage.layer import COMMUNES
from geo_directory.layers import ParameterError
from places.layer import PLACES


@pytest.mark.parametrize(
    ("layer", "name", "raw", "value"),
    [
        (PLACES, "date_maj", "2024-03-01", date(2024, 3, 1)),
        (COMMUNES, "ifn", "6.8", 6.8),
        (COMMUNES, "population", "1399", 1399),
        (COMMUNES, "covered", "false", False),
        (PLACES, "code_insee", " 05061 ", "05061"),
    ],
)
def test_good_values_are_parsed(layer, name, raw, value):
    assert layer.field(name).parse(raw) == value


@pytest.mark.parametrize(
    ("layer", "name", "raw"),
    [
        (PLACES, "date_maj", "hier"),
        (PLACES, "date_maj", "2024-02-30"),
        (PLACES, "date_maj", "2024-03-01T00:00"),
        (COMMUNES, "ifn", "abc"),
        (COMMUNES, "ifn", "nan"),
        (COMMUNES, "ifn", "١"),
        (COMMUNES, "population", "²"),
        (COMMUNES, "covered", "peut-être"),
        (PLACES, "location_precision", "gps"),
    ],
)
def test_bad_values_name_the_field(layer, name, raw):
    with pytest.raises(ParameterError) as error:
        layer.field(name).parse(raw)
    assert error.value.name == name and name in error.value.message


@pytest.mark.django_db
def test_the_ogc_landing_page_answers_without_its_slash(client):
    """QGIS 3.22 cannot follow the relative redirect APPEND_SLASH would send."""
    response = client.get("/ogc")
    assert response.status_code == 200
    assert any(link["rel"] == "data" for link in response.json()["links"])
