"""The queue of changes the stored coverage does not reflect yet (``coverage_pending``).

Database triggers fill it in the writer's transaction (migration 0008), whatever the path; the
coverage services empty it. Read it under the coverage lock, and forget exactly the rows that
were read: a row committed meanwhile stays for the next update.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection

TABLE = "coverage_pending"


@dataclass
class Pending:
    ids: list[int] = field(default_factory=list)  # queue rows
    places: set[int] = field(default_factory=set)
    old_positions: list[tuple[float, float]] = field(default_factory=list)
    everything: bool = False  # a full recomputation was asked for


def summary() -> tuple[int, bool]:
    """(rows queued, whether one of them asks for a full recomputation)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), bool_or(place_id IS NULL) FROM {TABLE}")
        count, everything = cursor.fetchone()
    return count, bool(everything)


def read(*, with_places: bool = True) -> Pending:
    """Every queued row; without ``with_places``, only their ids."""
    pending = Pending()
    with connection.cursor() as cursor:
        if not with_places:
            cursor.execute(f"SELECT coalesce(array_agg(id), '{{}}') FROM {TABLE}")
            pending.ids = list(cursor.fetchone()[0])
            return pending
        cursor.execute(
            "SELECT id, place_id, ST_X(old_location::geometry), ST_Y(old_location::geometry)"
            f" FROM {TABLE} ORDER BY id"
        )
        for row_id, place_id, lon, lat in cursor.fetchall():
            pending.ids.append(row_id)
            if place_id is None:
                pending.everything = True
            else:
                pending.places.add(place_id)
            if lon is not None:
                pending.old_positions.append((lon, lat))
    return pending


def forget(ids: list[int]) -> None:
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = ANY(%s)", [ids])


def ask_full() -> None:
    """Queue a full recomputation (a change the triggers cannot see)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (place_id) VALUES (NULL)")


def dated_places(since: datetime.date, today: datetime.date) -> set[int]:
    """Places with an activity that started or ended after ``since``, up to ``today``: they
    became, or stopped being, mediation points by the calendar alone."""
    from actors.models import Activity

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT place_id FROM {Activity._meta.db_table}"
            " WHERE (start_date > %(since)s AND start_date <= %(today)s)"
            " OR (end_date > %(since)s AND end_date <= %(today)s)",
            {"since": since, "today": today},
        )
        return {row[0] for row in cursor.fetchall()}
