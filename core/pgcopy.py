"""PostgreSQL COPY for large imports: rows go into a temporary table in one COPY, and the importer
then merges them with one set-based INSERT and UPDATE, inside the import's own transaction. The
history triggers on the target tables are statement-level, so they fire for those statements as for
the ORM's."""

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


class _Null(int):
    """Written as \\N: not a text, so never escaped, it alone means NULL."""

    def __str__(self) -> str:
        return r"\N"

    __repr__ = __str__


NULL = _Null(0)
# COPY's text format: a backslash, tab, newline or carriage return inside a text is escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\n\r]")  # a tab inside a text shows as one tab too many


def copy_temp_table(name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> None:
    """CREATE TEMP TABLE `name` (dropped at commit) and COPY `rows` into it (None is NULL, see `copy_rows`)."""
    definition = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
    copy_rows(name, [column for column, _type in columns], rows)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY `rows` into `table`'s `columns` (None or NULL is NULL): new rows go straight into their table.

    The text format, which PostgreSQL parses faster than CSV: texts are escaped, True and False go as
    PostgreSQL reads them, numbers, dates and datetimes as str() gives them."""
    escapes = _ESCAPES
    special = _SPECIAL.search
    last = len(columns) - 1
    lines = []
    for row in rows:
        # Most rows hold no NULL and no text to escape: str() of each value, joined, is their line.
        line = "\t".join(map(str, row))
        if special(line) or line.count("\t") != last or None in row:
            line = "\t".join([
                v.translate(escapes) if isinstance(v, str) else r"\N" if v is None else str(v) for v in row
            ])  # fmt: skip
        lines.append(line)
    if not lines:
        return
    lines.append("")
    text = "\n".join(lines)
    del lines
    buffer = io.BytesIO(text.encode())
    del text
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
