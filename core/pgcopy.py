"""PostgreSQL COPY for large imports: rows go into a temporary table in one COPY, and the importer
then merges them with one set-based INSERT and UPDATE, inside the import's own transaction. The
history triggers on the target tables are statement-level, so they fire for those statements as for
the ORM's."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


class _Null(int):
    """Written unquoted as \\N while every text is quoted (QUOTE_NONNUMERIC), so it alone means NULL."""

    def __str__(self) -> str:
        return r"\N"

    __repr__ = __str__


NULL = _Null(0)


def copy_temp_table(
    name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *, nulls: bool = True
) -> None:
    """CREATE TEMP TABLE `name` (dropped at commit) and COPY `rows` into it (None is NULL, see `copy_rows`)."""
    definition = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
    copy_rows(name, [column for column, _type in columns], rows, nulls=nulls)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, nulls: bool = True) -> None:
    """COPY `rows` into `table`'s `columns` (None is NULL; `nulls=False` when the rows already carry
    NULL for it): new rows go straight into their table."""
    buffer = io.StringIO()
    # The csv module quotes and escapes in C: a tab, a newline or a quote inside a text survives.
    writer = csv.writer(buffer, delimiter="\t", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    null = NULL
    writer.writerows(([null if v is None else v for v in row] for row in rows) if nulls else rows)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t', NULL '\\N')",
            buffer,
        )


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
