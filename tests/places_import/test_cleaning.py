"""Cleaning of single values (no database): what a user would see corrected in the report."""

import pytest

from places import cleaning
from places.importers.readers import fs_day_hours, fs_opening_hours


@pytest.mark.parametrize(
    ("raw", "departement", "expected"),
    [
        ("04 92 36 62 62", "04", "+33492366262"),
        ("04.92.36.62.62", "04", "+33492366262"),
        ("0492366262", "", "+33492366262"),
        ("02 62 90 47 00", "974", "+262262904700"),
        ("0590 12 34 56", "971", "+590590123456"),
        ("0596 12 34 56", "972", "+596596123456"),
        ("0594 12 34 56", "973", "+594594123456"),
        ("0269 61 12 34", "976", "+262269611234"),
        ("+33 4 92 36 62 62", "04", "+33492366262"),
        ("0033 4 92 36 62 62", "04", "+33492366262"),
        ("+33679503051", "69", "+33679503051"),
    ],
)
def test_phone_numbers_become_international(raw, departement, expected):
    assert cleaning.clean_phone(raw, departement)[0] == expected


def test_unreadable_phone_is_dropped_with_a_note():
    value, note = cleaning.clean_phone("accueil", "04")
    assert value == "" and "illisible" in note


def test_postal_code_that_lost_its_leading_zero_is_restored():
    assert cleaning.clean_postal_code(4000) == (
        "04000",
        "code postal « 4000 » : zéro initial rétabli → 04000",
    )
    assert cleaning.clean_postal_code("05000") == ("05000", None)
    assert cleaning.clean_postal_code("Digne")[0] == ""


def test_insee_code_0null_is_dropped():
    value, note = cleaning.clean_insee_code("0null")
    assert value == "" and "0NULL" in note


def test_opening_hours_in_osm_syntax_are_kept_free_text_is_dropped():
    kept = "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
    assert cleaning.clean_opening_hours(kept) == (kept, None)
    value, note = cleaning.clean_opening_hours("lundi 9h-12h")
    assert value == "" and "horaires illisibles" in note


def test_urls_get_a_scheme_and_emails_are_checked():
    assert cleaning.clean_url("www.digne-les-bains.fr")[0] == "https://www.digne-les-bains.fr"
    kept, note = cleaning.clean_emails(["Mairie@Digne.fr", "pas un courriel"])
    assert kept == ["mairie@digne.fr"] and "pas un courriel" in note


def test_departement_from_codes():
    assert cleaning.departement_from_codes("97411", "") == "974"
    assert cleaning.departement_from_codes("", "04000") == "04"
    assert cleaning.departement_from_codes("2A004", "20000") == "2A"
    assert cleaning.departement_from_codes("", "20200") == "2B"


def test_france_services_week_becomes_osm_opening_hours():
    assert fs_day_hours("09:00 - 12:00 / 13:30 - 17:00") == "09:00-12:00,13:30-17:00"
    assert fs_day_hours("09:00-12:30-13:30-17:00") == "09:00-12:30,13:30-17:00"
    assert fs_day_hours("-") == ""
    assert fs_day_hours("sur rendez-vous") is None
    row = {
        "h_lundi": "09:00 - 12:00",
        "h_mardi": "09:00 - 12:00",
        "h_mercredi": "",
        "h_jeudi": "14:00 - 17:00",
        "h_vendredi": "14:00 - 17:00",
        "h_samedi": "",
    }
    assert fs_opening_hours(row) == ("Mo-Tu 09:00-12:00; Th-Fr 14:00-17:00", None)
