"""PostgreSQL COPY for large imports: rows go into a temporary table in one COPY, and the importer
then merges them with one set-based INSERT and UPDATE, inside the import's own transaction. The
history triggers on the target tables are statement-level, so they fire for those statements as for
the ORM's."""

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection


def _text(value: Any) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return str(value)
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_temp_table(name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> None:
    """CREATE TEMP TABLE `name` (dropped at commit) and COPY `rows` into it."""
    definition = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write("\t".join(map(_text, row)))
        write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
        cursor.copy_expert(f"COPY {name} ({', '.join(c for c, _t in columns)}) FROM STDIN", buffer)
        cursor.execute(f"ANALYZE {name}")


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
