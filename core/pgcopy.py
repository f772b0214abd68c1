"""PostgreSQL COPY for large imports: rows go into a temporary table in one COPY, and the importer
then merges them with one set-based INSERT and UPDATE, inside the import's own transaction. The
history triggers on the target tables are statement-level, so they fire for those statements as for
the ORM's."""

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
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
# What a line must not hold unescaped: a newline or carriage return, and a backslash other than a
# whole field's \N (which NULL writes). A tab inside a text shows as one tab too many; a text that is
# itself "\N" is told from NULL by `copy_rows`.
_SPECIAL = re.compile(r"[\n\r]|\\(?!N(?:\t|$))|(?<=[^\t])\\N")


def copy_temp_table(name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> None:
    """CREATE TEMP TABLE `name` (dropped at commit) and COPY `rows` into it (None is NULL, see `copy_rows`)."""
    definition = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
    copy_rows(name, [column for column, _type in columns], rows)
    # Autovacuum never analyzes a temporary table: without this the planner takes 300,000 imported
    # rows for a few hundred and sorts and loops where it would hash.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {name}")


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY `rows` into `table`'s `columns` (None or NULL is NULL): new rows go straight into their table.

    The text format, which PostgreSQL parses faster than CSV: texts are escaped, True and False go as
    PostgreSQL reads them, numbers, dates and datetimes as str() gives them. The lines are made as
    COPY reads them, a block at a time, so the server stores one block while the next is written
    (and the whole text is never in memory at once)."""
    lines = _lines(rows, len(columns) - 1)
    first = next(lines, None)
    if first is None:
        return
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", _Stream(first, lines))


def _lines(rows: Iterable[Sequence[Any]], last: int) -> Iterator[str]:
    escapes = _ESCAPES
    special = _SPECIAL.search
    for row in rows:
        # Most rows hold no NULL and no text to escape: str() of each value, joined, is their line.
        line = "\t".join(map(str, row))
        # Substring tests first (C speed over the line); the regex and the row scans only when they hit.
        if (
            (("\\" in line or "\n" in line or "\r" in line) and special(line))
            or line.count("\t") != last
            or ("None" in line and None in row)
            or ("\\N" in line and "\\N" in row)
        ):
            line = "\t".join([
                v.translate(escapes) if isinstance(v, str) else r"\N" if v is None else str(v) for v in row
            ])  # fmt: skip
        yield line


class _Stream:
    """What copy_expert reads: the next STREAM_LINES lines at each read, b"" at the end."""

    def __init__(self, first: str, lines: Iterator[str]) -> None:
        self._first: str | None = first
        self._lines = lines

    def read(self, size: int = -1) -> bytes:
        block = list(islice(self._lines, STREAM_LINES))
        if self._first is not None:
            block.insert(0, self._first)
            self._first = None
        if not block:
            return b""
        block.append("")
        return "\n".join(block).encode()


STREAM_LINES = 2000


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
