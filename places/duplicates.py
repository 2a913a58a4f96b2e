"""Likely duplicate places across sources: same postal code, a few tens of metres apart (one SQL
self-join on geography with ``ST_DWithin``, index-assisted), then names and addresses compared
(difflib on accent-folded text). Read-only: nothing is merged or changed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import connection

from .models import Place

DEFAULT_DISTANCE_M = 50
DEFAULT_MIN_SCORE = 0.6


@dataclass
class DuplicatePair:
    first_id: int
    second_id: int
    first: str  # "source:id — name, address"
    second: str
    distance_m: float
    name_similarity: float
    address_similarity: float
    score: float
    reason: str


def fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", value.lower()))


def similarity(a: str, b: str) -> float:
    a, b = fold(a), fold(b)
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return max(0.9, SequenceMatcher(None, a, b).ratio())
    return SequenceMatcher(None, a, b).ratio()


def candidate_pairs(
    distance_m: float,
    departement: str | None,
    ids: list[int] | None = None,
    visible_only: bool = False,
) -> list[tuple]:
    """Pairs from different sources, same postal code, within ``distance_m`` metres; with
    ``ids``, only the pairs of those places (each side read by its primary key, the other by
    the position's index); ``visible_only``: both visible to the public."""
    table = Place._meta.db_table
    where = "AND a.departement_code = %s" if departement else ""
    if visible_only:
        where += " AND a.is_visible AND b.is_visible"
    select = f"""
        SELECT a.id, b.id, ST_Distance(a.location, b.location),
               a.import_source, a.source_id, a.nom, a.adresse,
               b.import_source, b.source_id, b.nom, b.adresse, a.code_postal
        FROM {table} a
        JOIN {table} b
          ON b.code_postal = a.code_postal
         AND b.import_source <> a.import_source
         AND b.id > a.id
         AND ST_DWithin(a.location, b.location, %s)
        WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL
          AND a.code_postal <> '' {where}"""
    params = [distance_m] + ([departement] if departement else [])
    if ids is None:
        sql = f"{select} ORDER BY a.id, b.id"
    else:
        sql = f"{select} AND a.id = ANY(%s) UNION {select} AND b.id = ANY(%s) ORDER BY 1, 2"
        params = [*params, list(ids), *params, list(ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def find_duplicates(
    *,
    departement: str | None = None,
    distance_m: float = DEFAULT_DISTANCE_M,
    min_score: float = DEFAULT_MIN_SCORE,
    ids: list[int] | None = None,
    visible_only: bool = False,
) -> list[DuplicatePair]:
    pairs = []
    for row in candidate_pairs(distance_m, departement, ids, visible_only):
        a_id, b_id, dist, a_src, a_sid, a_nom, a_adr, b_src, b_sid, b_nom, b_adr, postal = row
        names = similarity(a_nom, b_nom)
        addresses = similarity(a_adr, b_adr)
        closeness = 1 - min(dist, distance_m) / distance_m
        score = round(0.5 * names + 0.3 * addresses + 0.2 * closeness, 3)
        if score < min_score:
            continue
        reason = (
            f"même code postal {postal}, à {dist:.0f} m, noms semblables à {names:.0%},"
            f" adresses semblables à {addresses:.0%}"
        )
        pairs.append(
            DuplicatePair(
                a_id,
                b_id,
                f"{a_src}:{a_sid} — {a_nom}, {a_adr}",
                f"{b_src}:{b_sid} — {b_nom}, {b_adr}",
                round(dist, 1),
                round(names, 3),
                round(addresses, 3),
                score,
                reason,
            )
        )
    return sorted(pairs, key=lambda p: (-p.score, p.first_id, p.second_id))
