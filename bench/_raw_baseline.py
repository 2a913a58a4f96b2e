"""The raw baseline of bench/serving.py: a minimal WSGI app over the same tables.

One SQL statement per request builds the whole FeatureCollection (or tile) in PostGIS through
psycopg 3; no framework, no validation, no cache. Served by gunicorn with the same number of
sync workers as the site. Paths: /q1 /q2 (bbox), /q3 (communes of a département, unsimplified),
/q4 (nearby), /q5/{z}/{x}/{y} (communes tile).
"""

import os
from urllib.parse import parse_qs

import psycopg
from _national import libpq_dsn

# The project's own database settings (geo_directory/settings/base.py: DATABASE_URL, else the
# private cluster's port of .data/pgport or PGPORT), on the bench database MAILLAGE_DB_NAME.
DSN = libpq_dsn(os.environ.get("MAILLAGE_DB_NAME"))
FIELDS = (
    "pivot nom commune code_postal code_insee adresse complement_adresse typologie telephone "
    "courriels site_web horaires presentation_resume presentation_detail source itinerance "
    "structure_parente date_maj services publics_specifiquement_adresses "
    "prise_en_charge_specifique frais_a_charge dispositif_programmes_nationaux formations_labels "
    "autres_formations_labels modalites_acces modalites_accompagnement fiche_acces_libre prise_rdv"
).split()
PROPS = ", ".join(f"'{name}', p.{name}" for name in FIELDS)


def place_feature(extra: str = "") -> str:
    """SQL text of one place Feature; ``extra`` adds properties (", 'name', expr")."""
    return (
        '\'{"type":"Feature","id":\' || p.id || \',"geometry":\' || '
        "ST_AsGeoJSON(p.location::geometry, 6) || ',\"properties\":' || "
        f"json_build_object('id', p.id::text, {PROPS}{extra})::text || '}}'"
    )


def collection(inner: str) -> str:
    return (
        'SELECT \'{"type":"FeatureCollection","features":[\' || '
        f"coalesce(string_agg(f, ','), '') || ']}}' FROM ({inner}) t"
    )


SQL_BBOX = collection(
    f"SELECT {place_feature()} AS f FROM places_place p "
    "WHERE p.deleted_at IS NULL AND p.is_visible "
    "AND ST_Intersects(p.location::geometry, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) "
    "ORDER BY p.id LIMIT 100"
)
DISTANCE = ", 'distance_m', round(ST_Distance(p.location, g.pt)::numeric, 1)"
SQL_NEAR = collection(
    f"SELECT {place_feature(DISTANCE)} AS f "
    "FROM places_place p, (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS pt) g "
    "WHERE p.deleted_at IS NULL AND p.is_visible AND ST_DWithin(p.location, g.pt, %s) "
    "ORDER BY p.location <-> g.pt LIMIT 10"
)
SQL_COMMUNES = collection(
    'SELECT \'{"type":"Feature","id":"\' || c.code || \'","geometry":\' || '
    "ST_AsGeoJSON(c.geom, 6) || ',\"properties\":' || json_build_object("
    "'code_insee', c.code, 'nom', c.nom, 'population', c.population, "
    "'distance_m', cc.distance_m, 'nearest_place_id', cc.nearest_place_id, "
    "'has_place_inside', cc.has_place_inside, 'covered', "
    "(cc.has_place_inside OR cc.distance_m <= 10000))::text || '}' AS f "
    "FROM territories_commune c LEFT JOIN coverage_communecoverage cc "
    "ON cc.commune_id = c.code AND cc.basis = 'mediators' "
    "WHERE c.departement_id = %s ORDER BY c.code"
)
SQL_TILE = (
    "SELECT ST_AsMVT(t, 'communes', 4096, 'geom') FROM ("
    " SELECT c.code AS code_insee, c.nom, c.population, cc.distance_m,"
    " ST_AsMVTGeom(ST_Transform(c.geom, 3857), ST_TileEnvelope(%s, %s, %s), 4096, 64) AS geom"
    " FROM territories_commune c LEFT JOIN coverage_communecoverage cc"
    " ON cc.commune_id = c.code AND cc.basis = 'mediators'"
    " WHERE c.geom && ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326)) t"
)

_connection = None


def connection():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(DSN, autocommit=True)
    return _connection


def query(sql, params):
    with connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    qs = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if path in ("/q1", "/q2"):
        body = query(SQL_BBOX, [float(x) for x in qs["bbox"].split(",")]).encode()
        kind = "application/geo+json"
    elif path == "/q3":
        body = query(SQL_COMMUNES, [qs.get("departement", "04")]).encode()
        kind = "application/geo+json"
    elif path == "/q4":
        lon, lat = (float(x) for x in qs["near"].split(","))
        body = query(SQL_NEAR, [lon, lat, float(qs.get("radius_km", 20)) * 1000]).encode()
        kind = "application/geo+json"
    elif path.startswith("/q5/"):
        z, x, y = (int(v) for v in path[4:].split("/"))
        body = bytes(query(SQL_TILE, [z, x, y, z, x, y]) or b"")
        kind = "application/vnd.mapbox-vector-tile"
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]
