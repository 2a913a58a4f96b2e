"""Dates as French writes them (issue 11): "1er décembre 2026" for the first day of a month, the
other days as numbers ("2 décembre 2026"), from one helper (``geo_directory.dates``) that every
page showing a day of the month uses."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from actors.models import Actor
from geo_directory import dates
from places.models import Place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def test_the_first_of_a_month_is_an_ordinal_and_the_other_days_numbers():
    assert dates.long_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert dates.long_date(date(2026, 12, 2)) == "2 décembre 2026"
    assert dates.long_date(date(2027, 1, 31)) == "31 janvier 2027"
    assert dates.long_date(None) == ""
    assert dates.long_date_html(date(2026, 5, 1)) == "1<sup>er</sup> mai 2026"
    assert dates.long_date_html(date(2026, 5, 8)) == "8 mai 2026"


def test_a_moment_is_the_day_it_was_in_paris():
    # 23:30 UTC on 30 November is already 1 December in Paris
    assert dates.long_date(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "1er décembre 2026"


def test_the_place_sheet_and_the_mediator_page_write_1er(client):
    # France services Barcelonnette, dated by its import (its source gives no date): the 1st
    Place.objects.filter(pk=21).update(date_maj=date(2026, 12, 1))
    sheet = client.get("/lieux/21/").content.decode()
    assert "Mis à jour le 1<sup>er</sup> décembre 2026" in sheet
    mediator = Actor.objects.get(external_id="demo-003")  # in Peyruis since 1 December 2025
    page = client.get(f"/acteurs/{mediator.pk}/").content.decode()
    assert "Depuis le 1<sup>er</sup> décembre 2025" in page
    assert not re.search(r"\b1 décembre", sheet + page)


def test_no_template_writes_a_day_of_the_month_by_itself():
    """Every day-of-month date of a page goes through ``|long_date`` (numeric "d/m/Y" is fine)."""
    found = []
    for path in Path(settings.BASE_DIR).glob("*/templates/**/*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r'\|date:"[^"]*\bj\b[^"]*F', line):
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}")
    assert found == []
