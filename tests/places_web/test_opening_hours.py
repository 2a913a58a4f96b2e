"""OSM opening hours read as a French week, judged in the place's own time zone."""

from datetime import UTC, datetime

from places.opening_hours import is_open, readable_week, today_hours

# Wednesday 2 December 2026, 08:00 UTC: 09:00 in Paris, 12:00 in Saint-Denis de La Réunion.
WEDNESDAY = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_week_reads_in_french_monday_first():
    week = readable_week("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00", "04", WEDNESDAY)
    assert [d["day"] for d in week][:3] == ["Lundi", "Mardi", "Mercredi"]
    assert week[0]["hours"] == "9 h – 12 h, 14 h – 18 h 30"
    assert week[5]["hours"] == "8 h 30 – 12 h"
    assert week[6]["hours"] == "Fermé"
    assert [d["day"] for d in week if d["today"]] == ["Mercredi"]


def test_round_the_clock_and_after_midnight():
    assert readable_week("24/7", "05", WEDNESDAY)[0]["hours"] == "24 h/24"
    late = readable_week("Fr 20:00-02:00", "05", WEDNESDAY)
    assert late[4]["hours"] == "20 h – 24 h" and late[5]["hours"] == "0 h – 2 h"


def test_free_text_hours_are_not_guessed():
    assert readable_week("lundi 9h-12h", "04") is None
    assert today_hours("", "04") is None
    assert is_open("lundi 9h-12h", "04") is False


def test_open_now_uses_the_overseas_time_zone():
    hours = "We 08:30-11:00"
    assert is_open(hours, "04", WEDNESDAY)  # 09:00 in Digne
    assert not is_open(hours, "974", WEDNESDAY)  # 12:00 in Saint-Denis
    assert is_open("We 11:30-12:30", "974", WEDNESDAY)
    assert today_hours("We 11:30-12:30", "974", WEDNESDAY) == "11 h 30 – 12 h 30"
