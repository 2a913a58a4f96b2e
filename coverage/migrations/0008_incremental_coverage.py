"""What an incremental coverage update needs (``coverage.incremental``), kept by PostgreSQL itself.

1. ``coverage_pending``: the places whose coverage may have changed, queued by statement-level
   triggers (transition tables) in the writer's own transaction, whatever the path: the ORM,
   ``QuerySet.update``, ``bulk_create``, COPY, raw SQL, psql. A place queues when it is created,
   deleted, moved, deleted/restored or its access modes change (with its position before the
   change); an activity when it is created, deleted or its actor, place or dates change; an actor
   when its validation, deletion or roles change (the places of its current and future
   activities). A row with no place (``place_id`` NULL) asks for a full recomputation: communes
   created, deleted, moved or reshaped, any TRUNCATE, or one statement touching more than 2,000
   places (an import: the full recomputation is then faster than one update per place).
2. ``coverage_communecoverage.reach``: a lon/lat box around the commune's reference point that
   holds every point nearer than its stored ``distance_m`` (the whole world when there is none),
   written with the row by ``coverage.storage`` (``coverage_reach``), with a GiST index: the
   communes a new or moved point can become the nearest point of are the rows whose reach
   contains it (a few dozen, not 35,000).
3. An index on ``nearest_place_id``: the communes whose nearest point was a changed place.

These are SQL objects the ORM never reads, so the models do not list them (a ``reach`` field
would be loaded with every coverage row).
"""

from django.db import migrations

MAX_ROWS = 2000  # places touched by one statement above which a full recomputation is queued

QUEUE = f"""
CREATE TABLE coverage_pending (
    id bigserial PRIMARY KEY,
    place_id bigint,
    old_location geography(Point, 4326),
    queued_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE coverage_pending IS
    'Places whose coverage may have changed (NULL: recompute France); see coverage.pending';

CREATE FUNCTION coverage_queue(place_ids bigint[], old_locations geography[]) RETURNS void AS $$
BEGIN
    IF coalesce(cardinality(place_ids), 0) = 0 THEN
        RETURN;
    ELSIF cardinality(place_ids) > {MAX_ROWS} THEN
        INSERT INTO coverage_pending (place_id) VALUES (NULL);
    ELSE
        INSERT INTO coverage_pending (place_id, old_location)
        SELECT * FROM unnest(place_ids, coalesce(old_locations, '{{}}'));
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION coverage_queue_everything() RETURNS trigger AS $$
BEGIN
    INSERT INTO coverage_pending (place_id) VALUES (NULL);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION coverage_queue_places() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM coverage_queue(ARRAY(SELECT id FROM new_rows WHERE location IS NOT NULL), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM coverage_queue(
            ARRAY(SELECT id FROM old_rows WHERE location IS NOT NULL ORDER BY id),
            ARRAY(SELECT location FROM old_rows WHERE location IS NOT NULL ORDER BY id));
    ELSE
        PERFORM coverage_queue(array_agg(n.id), array_agg(o.location))
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.location IS DISTINCT FROM o.location
           OR (n.deleted_at IS NULL) <> (o.deleted_at IS NULL)
           OR n.modalites_acces IS DISTINCT FROM o.modalites_acces;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION coverage_queue_activities() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM coverage_queue(ARRAY(SELECT DISTINCT place_id FROM new_rows), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM coverage_queue(ARRAY(SELECT DISTINCT place_id FROM old_rows), NULL);
    ELSE
        PERFORM coverage_queue(ARRAY(
            SELECT o.place_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.place_id, n.actor_id, n.start_date, n.end_date)
                  IS DISTINCT FROM (o.place_id, o.actor_id, o.start_date, o.end_date)
            UNION
            SELECT n.place_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.place_id, n.actor_id, n.start_date, n.end_date)
                  IS DISTINCT FROM (o.place_id, o.actor_id, o.start_date, o.end_date)), NULL);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- An actor's validation, deletion or roles count at the places of its current (and future)
-- activities; a day of margin either side of the server's date.
CREATE FUNCTION coverage_queue_actors() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM coverage_queue(ARRAY(
            SELECT DISTINCT a.place_id FROM actors_activity a JOIN old_rows o ON o.id = a.actor_id
            WHERE a.end_date IS NULL OR a.end_date >= current_date - 2), NULL);
    ELSE
        PERFORM coverage_queue(ARRAY(
            SELECT DISTINCT a.place_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN actors_activity a ON a.actor_id = n.id
            WHERE ((n.is_validated, n.deleted_at IS NULL, n.roles)
                   IS DISTINCT FROM (o.is_validated, o.deleted_at IS NULL, o.roles))
              AND (a.end_date IS NULL OR a.end_date >= current_date - 2)), NULL);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Communes created, deleted, moved or reshaped: recompute France.
CREATE FUNCTION coverage_queue_communes() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
            INSERT INTO coverage_pending (place_id) VALUES (NULL);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows) THEN
            INSERT INTO coverage_pending (place_id) VALUES (NULL);
        END IF;
    ELSIF EXISTS (
        SELECT 1 FROM new_rows n JOIN old_rows o ON o.code = n.code
        WHERE n.reference_point IS DISTINCT FROM o.reference_point
           OR n.geom IS DISTINCT FROM o.geom
    ) THEN
        INSERT INTO coverage_pending (place_id) VALUES (NULL);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

UNQUEUE = """
DROP TABLE IF EXISTS coverage_pending;
DROP FUNCTION IF EXISTS coverage_queue(bigint[], geography[]);
DROP FUNCTION IF EXISTS coverage_queue_everything();
DROP FUNCTION IF EXISTS coverage_queue_places();
DROP FUNCTION IF EXISTS coverage_queue_activities();
DROP FUNCTION IF EXISTS coverage_queue_actors();
DROP FUNCTION IF EXISTS coverage_queue_communes();
"""

WATCHED = {
    "places_place": "coverage_queue_places",
    "actors_activity": "coverage_queue_activities",
    "actors_actor": "coverage_queue_actors",
    "territories_commune": "coverage_queue_communes",
}


def triggers(table: str, function: str) -> migrations.RunSQL:
    # One trigger per event: PostgreSQL refuses transition tables on a multi-event trigger.
    events = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    if table == "actors_actor":
        del events["insert"]  # a new actor has no activity yet
    create = [
        f"CREATE TRIGGER coverage_queue_{event}_{table} AFTER {event.upper()} ON {table}"
        f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
        for event, tables in events.items()
    ]
    create.append(
        f"CREATE TRIGGER coverage_queue_truncate_{table} AFTER TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION coverage_queue_everything();"
    )
    drop = [
        f"DROP TRIGGER IF EXISTS coverage_queue_{event}_{table} ON {table};"
        for event in [*events, "truncate"]
    ]
    return migrations.RunSQL("\n".join(create), "\n".join(drop))


# Every point nearer than ``distance`` metres (on the WGS84 ellipsoid) to ``ref`` lies in this
# box. Latitude: the meridian arc between two parallels is the shortest path between them, and a
# degree of it is at least 110,574 m (110,000 taken). Longitude: the geodesic is no shorter than
# the chord, which is no shorter than 2 rho sin(dlon / 2), rho >= a cos(|lat| + dlat) being the
# distance to the axis of either point. A box that would cross a pole or the antimeridian
# spans every longitude.
REACH = """
CREATE FUNCTION coverage_reach(ref geometry, distance double precision) RETURNS geometry AS $$
DECLARE
    dlat double precision;
    far double precision;
    half double precision;
    dlon double precision;
BEGIN
    IF ref IS NULL OR distance IS NULL THEN
        RETURN ST_MakeEnvelope(-180, -90, 180, 90, 4326);
    END IF;
    dlat := distance * 1.001 / 110000.0 + 1e-7;
    far := abs(ST_Y(ref)) + dlat;
    IF far < 89.9 THEN
        half := distance * 1.001 / (2 * 6378137.0 * cos(radians(far)));
    END IF;
    IF half IS NOT NULL AND half < 1 THEN
        dlon := degrees(2 * asin(half)) + 1e-7;
    END IF;
    IF dlon IS NULL OR ST_X(ref) - dlon < -180 OR ST_X(ref) + dlon > 180 THEN
        RETURN ST_MakeEnvelope(-180, greatest(-90, ST_Y(ref) - dlat),
                               180, least(90, ST_Y(ref) + dlat), 4326);
    END IF;
    RETURN ST_MakeEnvelope(ST_X(ref) - dlon, greatest(-90, ST_Y(ref) - dlat),
                           ST_X(ref) + dlon, least(90, ST_Y(ref) + dlat), 4326);
END;
$$ LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE;

ALTER TABLE coverage_communecoverage ADD COLUMN reach geometry(Polygon, 4326);
UPDATE coverage_communecoverage t SET reach = coverage_reach(c.reference_point, t.distance_m)
FROM territories_commune c WHERE c.code = t.commune_id;
UPDATE coverage_communecoverage SET reach = coverage_reach(NULL, NULL) WHERE reach IS NULL;
ALTER TABLE coverage_communecoverage ALTER COLUMN reach SET NOT NULL;
CREATE INDEX coverage_reach_gist ON coverage_communecoverage USING gist (reach);
CREATE INDEX coverage_nearest_idx ON coverage_communecoverage (nearest_place_id);
"""

UNREACH = """
DROP INDEX IF EXISTS coverage_nearest_idx;
ALTER TABLE coverage_communecoverage DROP COLUMN IF EXISTS reach;
DROP FUNCTION IF EXISTS coverage_reach(geometry, double precision);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0007_reference_version_triggers"),
        ("places", "0004_snap_positions_to_6_decimals"),
        ("actors", "0004_actor_pending_email"),
        ("territories", "0002_commune_name_key"),
    ]

    operations = [
        migrations.RunSQL(QUEUE, UNQUEUE),
        *[triggers(table, function) for table, function in WATCHED.items()],
        migrations.RunSQL(REACH, UNREACH),
    ]
