"""Trigram indexes for the teacher list's search box (PostgreSQL only; SQLite migrates through a no-op).

The search is `name__icontains | phone__icontains`, which Django compiles to
`UPPER(col::text) LIKE UPPER('%…%')`: a B-tree cannot serve a substring, so at a province's million
teachers every search read the whole table (bench/province.py: before/after). A GIN index over the
same expression with pg_trgm's operator class serves it (for a pattern of three or more characters,
e.g. a full Chinese name; CJK characters are word characters under the C.UTF-8 ctype). Both arms of the
OR need an index, or the planner scans anyway. Built CONCURRENTLY, so a live table keeps taking writes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "trainees_teacher_name_trgm": 'UPPER(("name")::text)',
    "trainees_teacher_phone_trgm": 'UPPER(("phone")::text)',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "trainees_teacher" USING gin (({expression}) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("trainees", "0002_special_education_and_national_fields"),
    ]

    operations = [
        TrigramExtension(),  # a no-op on databases other than PostgreSQL
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
