"""Typo-tolerant search (issue 11 #11): PostgreSQL's pg_trgm, a trigram index on the communes'
name key, and ``maillage_unaccent(text)``, an IMMUTABLE wrapper of ``unaccent`` that indexes
(places, actors) may use (``unaccent`` itself is only STABLE, so no index can call it).

pg_trgm is a trusted extension (PostgreSQL 13+): a database owner creates it without being
superuser. ``scripts/pg.sh`` also creates it in template1 so that test databases have it.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def create_unaccent(apps, schema_editor):
    """Schema-qualified, so that the function (and the indexes that call it) does not depend on
    the search_path (pg_restore runs with an empty one)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'unaccent'"
        )
        schema = schema_editor.quote_name(cursor.fetchone()[0])
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION maillage_unaccent(text) RETURNS text"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT"
        f" AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$"
    )


def drop_unaccent(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION IF EXISTS maillage_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("territories", "0002_commune_name_key"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_unaccent, drop_unaccent),
        migrations.AddIndex(
            model_name="commune",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["name_key"], name="commune_name_key_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
