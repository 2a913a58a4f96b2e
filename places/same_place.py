"""One real place, shown once (issue 11 #6).

The same place often comes from several sources (France services, Hub du Sud, data.inclusion,
conseillers numériques). ``duplicates.find_duplicates`` pairs the likely ones; the data keeper
confirms or splits a pair in the admin (``DuplicateDecision``, keyed by the records' stable
``(import_source, source_id)``). This module turns both into groups of public places:

- a pair the keeper split is never in one group, even through a third record;
- a pair the keeper confirmed is one group even if the detection no longer pairs it;
- each group has a *representative*: the most complete record (then the most recently updated,
  then the smallest id). Its sheet is the group's sheet; the others' sheets lead to it.

Public pages and maps show one row per group (``PlaceQuerySet.one_per_place``) and the merged
values of its records (``merge``). The published layers (API, OGC, tiles, exports) keep every
record: a GIS user reads each source as it is.

Groups are built once per places' version (``PlacesVersion``: any write to places or decisions
bumps it, a write to actors, activities or coverage does not) when the write commits (only the
groups around the places it wrote: ``update``), or in full at the end of an import, and stored
beside that version; each worker keeps its copy in memory. A read
does not pay the national build (~1.6 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, Q, When

from geo_directory import cache

from . import standard
from .duplicates import find_duplicates
from .models import DuplicateDecision, Place, PlacesVersion

NAMESPACE = "same-place-groups"
# The places' version and that of the groups stored beside it (times as ``cache.micros``).
VERSION_SQL = (
    f"SELECT version, {cache.micros('changed_at')}, groups_version,"
    f" {cache.micros('groups_changed_at')} FROM {PlacesVersion._meta.db_table} WHERE id = 1"
)
SCALARS = tuple(name for name in standard.MODEL_FIELDS if name not in standard.LIST_FIELDS)


@dataclass
class Groups:
    representative: dict[int, int] = field(default_factory=dict)  # member -> representative
    members: dict[int, tuple[int, ...]] = field(default_factory=dict)  # representative -> all

    def rank(self, pk: int) -> int:
        """Position in its group (0: the representative); a place alone is 0."""
        representative = self.representative.get(pk)
        return self.members[representative].index(pk) if representative else 0

    def of(self, pk: int) -> tuple[int, ...]:
        """Every record of the real place ``pk`` belongs to (itself alone if no group)."""
        representative = self.representative.get(pk)
        return self.members[representative] if representative else (pk,)


def filled(place: Place) -> int:
    """How many of the standard's fields the record fills (position included)."""
    return (place.location is not None) + sum(
        1 for name in standard.MODEL_FIELDS if getattr(place, name) not in ("", None, [])
    )


def filled_in_sql():
    """``filled`` computed by the database (ranking thousands of records without loading them)."""
    checks = [Q(location__isnull=False)]
    for model_field in Place._meta.get_fields():
        name = getattr(model_field, "attname", None)
        if name not in standard.MODEL_FIELDS:
            continue
        if name in standard.LIST_FIELDS:
            checks.append(~Q(**{name: []}))
        elif model_field.null:
            checks.append(Q(**{f"{name}__isnull": False}))
        else:
            checks.append(~Q(**{name: ""}))
    terms = [Case(When(check, then=1), default=0) for check in checks]
    return sum(terms[1:], terms[0])


def decisions() -> tuple[list[tuple[tuple[int, int], float]], set[frozenset]]:
    """The keeper's decisions on public places: the confirmed pairs (edges stronger than any
    detected pair) and the split ones."""
    rows = list(DuplicateDecision.objects.all())
    keys = {(d.first_source, d.first_source_id) for d in rows}
    keys |= {(d.second_source, d.second_source_id) for d in rows}
    by_key = {}
    if keys:
        wanted = Q()
        for source, source_id in keys:
            wanted |= Q(import_source=source, source_id=source_id)
        by_key = {
            (source, source_id): pk
            for pk, source, source_id in Place.objects.public()
            .filter(wanted)
            .values_list("pk", "import_source", "source_id")
        }
    verdicts = {
        (
            by_key.get((d.first_source, d.first_source_id)),
            by_key.get((d.second_source, d.second_source_id)),
        ): d.verdict
        for d in rows
    }
    split = {frozenset(pair) for pair, verdict in verdicts.items() if verdict == "different"}
    confirmed = [
        (pair, 2.0) for pair, verdict in verdicts.items() if verdict == "same" and None not in pair
    ]
    return confirmed, split


def detected(ids: list[int] | None = None) -> list[tuple[tuple[int, int], float]]:
    """The detection's pairs of public places (of the places ``ids`` only, if given)."""
    return [
        ((p.first_id, p.second_id), p.score) for p in find_duplicates(ids=ids, visible_only=True)
    ]


def build() -> Groups:
    """Groups of public places from the detection and the keeper's decisions."""
    confirmed, split = decisions()
    return ranked(unite(confirmed + detected(), split))


def unite(edges, split: set[frozenset]) -> dict[int, set[int]]:
    """Strongest pairs first (confirmed ones above all); a union that would put a split pair in
    one group is skipped. The same pairs give the same groups, whatever else is in the list
    (a group only depends on the pairs of its connected places)."""
    group_of: dict[int, set[int]] = {}
    for (a, b), _ in sorted(set(edges), key=lambda edge: (-edge[1], edge[0])):
        if frozenset((a, b)) in split:
            continue
        ga, gb = group_of.get(a, {a}), group_of.get(b, {b})
        if ga is gb:
            continue
        if any(frozenset((x, y)) in split for x in ga for y in gb):
            continue
        merged = ga | gb
        for pk in merged:
            group_of[pk] = merged
    return group_of


def ranked(group_of: dict[int, set[int]], groups: Groups | None = None) -> Groups:
    """Each group's records in order, its representative first (added to ``groups``)."""
    ranks = {
        pk: (-filled, -(updated.toordinal() if updated else 0), pk)
        for pk, filled, updated in Place.objects.filter(pk__in=list(group_of))
        .annotate(filled=filled_in_sql())
        .values_list("pk", "filled", "date_maj")
    }
    groups = groups if groups is not None else Groups()
    seen: set[int] = set()
    for members in group_of.values():
        if id(members) in seen:
            continue
        seen.add(id(members))
        ordered = sorted(members, key=ranks.__getitem__)
        groups.members[ordered[0]] = tuple(ordered)
        for pk in ordered:
            groups.representative[pk] = ordered[0]
    return groups


def incremental(base: Groups, written) -> Groups:
    """The groups after a write to the places ``written``, from the groups ``base`` of the
    places before it: the same as ``build`` for the places as they are now, reading only the
    pairs around the written places.

    A place's write changes only its own pairs, its rank and the keeper's pairs of its key. So
    only the places connected (by pairs as they are now) to a written place or to a record of
    its former group can change group: these are recomputed from their pairs, found step by
    step from the written places; every other group is ``base``'s."""
    confirmed, split = decisions()
    confirmed_of: dict[int, list] = {}
    for edge in confirmed:
        for pk in edge[0]:
            confirmed_of.setdefault(pk, []).append(edge)
    region: set[int] = set()
    frontier = {pk for place_pk in written for pk in base.of(place_pk)}
    edges = []
    while frontier:
        region |= frontier
        step = detected(sorted(frontier))
        step += [edge for pk in frontier for edge in confirmed_of.get(pk, ())]
        edges += step
        frontier = {pk for pair, _ in step for pk in pair} - region
    groups = Groups()
    for representative, members in base.members.items():
        if region.isdisjoint(members):
            groups.members[representative] = members
            for pk in members:
                groups.representative[pk] = representative
    return ranked(unite(edges, split), groups)


def stamp() -> tuple[cache.Version, bool]:
    """The places' own version (``PlacesVersion``: one primary-key read), bumped by every write
    to places and to the keeper's decisions and by nothing else, and whether the groups stored
    beside it were built from it."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        return stamp_of(cursor.fetchone())


def stamp_of(row: tuple | None) -> tuple[cache.Version, bool]:
    """``stamp()`` of ``VERSION_SQL``'s row (None, or NULLs: no write to places yet)."""
    if row is None or row[0] is None:
        return cache.Version(0, None), False
    number, changed_at, groups_number, groups_changed_at = row
    version = cache.Version(number, cache.instant(changed_at))
    return version, (groups_number, groups_changed_at) == (number, changed_at)


def current(stamped: tuple[cache.Version, bool] | None = None) -> Groups:
    """The groups of the current places: this worker's copy for the places' version, else the
    ones stored beside it (built when places were written, ``refresh``), else (a write that went
    around the ORM's signals, such as raw SQL) built now. ``stamped``: ``stamp()`` already read
    in this request."""
    version, stored = stamped if stamped is not None else stamp()
    groups = cache.get(NAMESPACE, (version,), shared=False)
    if groups is None:
        groups = read_stored() if stored else None
        groups = groups if groups is not None else build()
        cache.put(NAMESPACE, (version,), groups, shared=False)
    return groups


def read_stored() -> Groups | None:
    row = PlacesVersion.objects.filter(pk=1).values_list("groups", flat=True).first()
    if row is None:
        return None
    groups = Groups()
    for members in row:
        groups.members[members[0]] = tuple(members)
        for pk in members:
            groups.representative[pk] = members[0]
    return groups


def refresh() -> Groups:
    """Build the groups of the places as they are now and store them beside the version they
    were built from, so that no read builds them (after a place or decision is saved, and at
    the end of an import). Groups built from an older version never replace newer ones."""
    version, _ = stamp()  # read before the data: the groups are never older than their version
    groups = build()
    if version.changed_at is None:  # no version row yet: the first write's trigger adds it
        return groups
    PlacesVersion.objects.filter(pk=1).filter(
        Q(groups_version__isnull=True)
        | Q(groups_version__lt=version.number)
        | Q(groups_version=version.number, groups_changed_at__lt=version.changed_at)
    ).update(
        groups=sorted(list(members) for members in groups.members.values()),
        groups_version=version.number,
        groups_changed_at=version.changed_at,
    )
    cache.put(NAMESPACE, (version,), groups, shared=False)
    return groups


LOCKED_SQL = (
    "SELECT version, changed_at, groups_version, groups_changed_at, xact_base, xact_places"
    f" FROM {PlacesVersion._meta.db_table} WHERE id = 1 FOR UPDATE"
)


def stored_of(version: cache.Version) -> Groups | None:
    groups = cache.get(NAMESPACE, (version,), shared=False)
    return groups if groups is not None else read_stored()


def update() -> Groups:
    """The groups of the places as they are now, stored beside their version, after a write:
    the stored groups with only the written places' groups recomputed (``incremental``, a few
    milliseconds) when they are those of the version before the last writing transaction
    (``PlacesVersion.xact_base``) and its places are known; else built in full. The version's
    row is locked meanwhile: no write to places commits between the read and the store."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(LOCKED_SQL)
            row = cursor.fetchone()
        if row is None:  # no version row yet: the first write's trigger adds it
            return build()
        number, changed_at, groups_number, groups_changed_at, base_number, written = row
        version = cache.Version(number, changed_at)
        if (groups_number, groups_changed_at) == (number, changed_at):
            groups = stored_of(version)
            if groups is not None:
                return groups
        base = None
        if written is not None and groups_number is not None and groups_number == base_number:
            base = stored_of(cache.Version(groups_number, groups_changed_at))
        groups = incremental(base, written) if base is not None else build()
        # stored for this version, which is also the base of the next write
        PlacesVersion.objects.filter(pk=1).update(
            groups=sorted(list(members) for members in groups.members.values()),
            groups_version=number,
            groups_changed_at=changed_at,
            xact_base=number,
            xact_places=[],
        )
    cache.put(NAMESPACE, (version,), groups, shared=False)
    return groups


def refresh_after_commit(**_signal) -> None:
    """Receiver of the writes to places and decisions: the groups are updated once the
    transaction commits (``transaction.on_commit``, once per transaction; at once in
    autocommit), never if it rolls back."""
    connection = transaction.get_connection()
    if any(callback is update for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(update)


def merge(place: Place, others: list[Place]) -> Place:
    """``place`` with the values of the other records of the same real place added: list fields
    get the values any record has (in order, each once), empty fields take the first value
    another record has. Only in memory: nothing is saved."""
    for name in standard.LIST_FIELDS:
        values = list(getattr(place, name) or [])
        for other in others:
            values += [v for v in getattr(other, name) or [] if v not in values]
        setattr(place, name, values)
    for name in SCALARS:
        if getattr(place, name) in ("", None):
            for other in others:
                if getattr(other, name) not in ("", None):
                    setattr(place, name, getattr(other, name))
                    break
    dates = [p.date_maj for p in [place, *others] if p.date_maj]
    place.date_maj = max(dates) if dates else None
    return place


def keep_one_per_place(ids: list[int], groups: Groups) -> list[int]:
    """``ids`` (a search's places, in its order) with one record per real place: the
    best-ranked of the group's records the search found, at its own position (the Python side
    of ``PlaceQuerySet.one_per_place``, for a result list already fetched)."""
    best: dict[int, int] = {}
    for pk in ids:
        representative = groups.representative.get(pk)
        if representative is not None and (
            representative not in best or groups.rank(pk) < groups.rank(best[representative])
        ):
            best[representative] = pk
    kept = set(best.values())
    return [pk for pk in ids if pk not in groups.representative or pk in kept]


def describe(places: list[Place], groups: Groups | None = None) -> list[Place]:
    """Each place of a result list, merged with the other records of its real place (one query
    for the whole list); each gets ``sheet_pk`` (its group's sheet), ``same_place_ids`` and
    ``sources`` (the records, representative first)."""
    groups = groups or current()
    wanted = {pk for place in places for pk in groups.of(place.pk)}
    wanted -= {place.pk for place in places}
    others = {p.pk: p for p in Place.objects.filter(pk__in=wanted)} if wanted else {}
    return _describe(places, groups, others)


def load_described(ids: list[int], groups: Groups) -> list[Place]:
    """The places ``ids``, in that order, described as ``describe`` does, with the other records
    of their real places read in the same query."""
    wanted = {pk for place_pk in ids for pk in groups.of(place_pk)}
    records = {p.pk: p for p in Place.objects.filter(pk__in=wanted)} if wanted else {}
    places = [records[pk] for pk in ids if pk in records]
    return _describe(places, groups, records)


def _describe(places: list[Place], groups: Groups, others: dict[int, Place]) -> list[Place]:
    for place in places:
        ids = groups.of(place.pk)
        records = [
            place if pk == place.pk else others[pk] for pk in ids if pk in others or pk == place.pk
        ]
        place.same_place_ids = list(ids)
        place.sheet_pk = ids[0]
        place.sources = [Source.of(record) for record in records]
        if len(records) > 1:
            merge(place, [r for r in records if r.pk != place.pk])
    return places


@dataclass(frozen=True)
class Source:
    """One record of a real place, as its sheet names it."""

    pk: int
    import_source: str
    source_id: str
    producer: str  # the standard's ``source`` field
    date_maj: object

    @classmethod
    def of(cls, place: Place) -> Source:
        return cls(place.pk, place.import_source, place.source_id, place.source, place.date_maj)
