"""The import framework every importer uses.

Read the spreadsheet (xlsx, xls or ods through `core.spreadsheet`, bounded before calamine parses
it), map Chinese headers (any order, unknown columns ignored with a note), check every column of
every row with its parser and its model field's limits, collect every problem at once, then write
everything in one transaction or nothing. An importer only declares its columns and its row rules.
"""

import contextlib
import datetime as dt
import gc
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

from . import spreadsheet
from .spreadsheet import (
    ERR_EMPTY_FILE,
    ERR_ENCRYPTED,
    ERR_NOT_SPREADSHEET,
    ERR_TOO_LARGE,
    ERR_UNREADABLE,
    OLE_MAGIC,
    ZIP_MAGIC,
    ImportFileError,
    cell_text,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ERR_EMPTY_FILE",
    "ERR_ENCRYPTED",
    "ERR_NOT_XLSX",
    "ERR_TOO_LARGE",
    "ERR_UNREADABLE",
    "OLE_MAGIC",
    "ZIP_MAGIC",
    "CellError",
    "Column",
    "ImportFileError",
    "ImportResult",
    "Importer",
    "RowError",
    "Table",
    "register",
    "run_import",
]

ERR_NOT_XLSX = ERR_NOT_SPREADSHEET  # the old name, kept for importers and tests that use it
ERR_NO_HEADER = "找不到表头行"
ERR_NO_HEADER_IN_SHEET = "在工作表“{sheet}”中找不到表头行（前 {rows} 行中没有本导入的列名）；文件中的工作表：{sheets}"
ERR_MISSING_COLUMN = "缺少必需的列"
ERR_REQUIRED = "不能为空"
ERR_TOO_MANY_ROWS = "行数过多（上限 {limit} 行）"
ERR_NO_ROWS = "没有数据行"
ERR_DUPLICATE_IN_FILE = "与第 {row} 行重复"
ERR_TOO_LONG = "不能超过 {limit} 个字符（现为 {length} 个）"
ERR_OUT_OF_RANGE = "数值超出范围（应在 {low} 到 {high} 之间）"
ERR_DECIMAL_PLACES = "最多 {places} 位小数"
ERR_DECIMAL_DIGITS = "数值过大（整数部分最多 {digits} 位）"
ERR_NOT_FINITE = "应为数字（不能是无穷大或 NaN）"
ERR_HALF_WIDTH = "请使用半角数字（不能用全角或上标数字）"
ERR_ID_AS_NUMBER = "身份证号被表格软件转成了数字，请将该列设为文本后重新填写"
ERR_PHONE = "电话号码应为 11 位手机号（以 1 开头），或带区号的固定电话（如 0731-84123456）"
ERR_WRITE_FAILED = "写入时出错，未导入任何数据：{reason}"
NOTE_IGNORED_COLUMNS = "以下列不属于本导入，已忽略：{columns}"
NOTE_SHEET = "读取的工作表：“{sheet}”"

MAX_ROWS = 300_000
HEADER_SCAN_ROWS = 10
PROGRESS_EVERY = 2000
BLOCK_ROWS = 1000  # rows parsed column by column at a time


class CellError(ValueError):
    """Raised by a parser: the message is shown to the user next to the row and column."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number, as the user sees it
    column: str
    message: str
    value: str = ""  # the offending cell as the user typed it

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        text = f"{where} [{self.column}]：{self.message}" if self.column else f"{where}：{self.message}"
        return f"{text}（填写的是“{self.value}”）" if self.value else text


@dataclass(frozen=True)
class Column:
    """One column of an import. `field` (a model field, or a model attribute such as `Teacher.name`)
    gives the limits every value is checked against; `choices` lists allowed values for templates."""

    header: str
    key: str
    required: bool = False
    parse: Callable[[Any], Any] | None = None
    aliases: tuple[str, ...] = ()
    field: Any = None
    help: str = ""
    example: Any = None
    text: bool = False  # kept as text in templates (IDs, phones, codes)
    choices: tuple[str, ...] | None = None

    @property
    def model_field(self) -> Any:
        return getattr(self.field, "field", self.field)

    def allowed_values(self) -> tuple[str, ...]:
        if self.choices is not None:
            return self.choices
        allowed = getattr(self.parse, "allowed", None)
        if allowed:
            return tuple(allowed)
        model_field = self.model_field
        if model_field is not None and getattr(model_field, "choices", None):
            return tuple(str(label) for _value, label in model_field.choices)
        if self.parse is parse_bool:
            return ("是", "否")
        return ()


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False
    notes: list[str] = field(default_factory=list)
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    total_errors: int | None = None  # when `errors` holds only the first of them (a stored preview)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_total(self) -> int:
        return len(self.errors) if self.total_errors is None else self.total_errors


@dataclass
class Table:
    """The rows of one sheet as read from the file (cell values as calamine gives them), kept so a
    preview and its confirmation never read the file twice."""

    sheet: str
    sheets: list[str]
    first_row: int
    rows: Iterable[list[Any]]


REGISTRY: dict[str, type["Importer"]] = {}


def register(cls: type["Importer"]) -> type["Importer"]:
    REGISTRY[cls.kind] = cls
    return cls


class Importer:
    """Subclasses declare `columns` and implement `clean_row` and `write`."""

    kind: str = ""
    title: str = ""
    columns: tuple[Column, ...] = ()
    preview_limit = 20
    # When true, `clean_row` also runs for rows where some cells failed to parse (their keys are then
    # missing from `values`), so row rules report in the same pass; the row is never written.
    clean_partial_rows = False
    # Example rows for the template (lists in `columns` order); else each column's `example`.
    examples: tuple[tuple[Any, ...], ...] = ()

    def __init__(self, *, actor: Any = None, **options: Any) -> None:
        self.actor = actor
        self.options = options

    @classmethod
    def allowed(cls, user: Any) -> bool:
        """Whether `user` may run this import in the browser."""
        return False

    @classmethod
    def for_user(cls, user: Any) -> "Importer":
        """The importer as the browser runs it: restricted to what `user` may change."""
        return cls(actor=user)

    def prepare(self) -> None:
        """Load what row checks need (lookups by code, existing keys) in a few queries."""

    def headers_found(self, headers: list[str], notes: list[str]) -> None:
        """Called once with the header row's normalised names, before any data row."""

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> Any:
        """Check one row's parsed values; append RowErrors; return what `write` needs (or None)."""
        raise NotImplementedError

    # An importer may instead check a block of rows column by column (quicker for large files):
    # `clean_columns(columns, rows, errors)` gets each mapped column's parsed values by key, the rows'
    # numbers, and returns one item or None per row. With `clean_partial_rows` it gets every row (a
    # cell that failed is None there) and runs every rule for each; without, only the rows whose
    # cells all parsed, as `clean_row` would. Rows with a failed cell are never written.
    clean_columns: Callable[[dict[str, list[Any]], list[int], list[RowError]], list[Any]] | None = None

    def finish(self, cleaned: list[Any], errors: list[RowError]) -> None:
        """Cross-row checks after every row is read."""

    def write(self, cleaned: list[Any]) -> tuple[int, int]:
        """Write every cleaned row; return (created, updated). Runs inside one transaction."""
        raise NotImplementedError

    def preview_row(self, item: Any) -> dict[str, Any]:
        return {}


def check_file(stream: IO[bytes], *, size: int | None = None, name: str | None = None) -> None:
    """Refuse files that are not worth parsing: empty, too large, encrypted, not a spreadsheet."""
    spreadsheet.sniff(stream, size=size, name=name)


def read_table(
    stream: IO[bytes], *, size: int | None = None, name: str | None = None, sheet: str | None = None
) -> tuple[Table, "spreadsheet.Workbook"]:
    """Sniff, bound and open the file; the rows of the chosen sheet (the active visible one by default)."""
    book = spreadsheet.sniff(stream, size=size, name=name)
    chosen = book.choose(sheet)
    first, rows = book.rows(chosen)
    return Table(sheet=chosen, sheets=book.visible_names, first_row=first, rows=rows), book


def _norm_header(value: Any) -> str:
    if value is None:
        return ""
    # Template headers mark required columns with "*"; users also pad headers with spaces.
    return str(value).strip().replace(" ", "").replace("\u3000", "").rstrip("*")


def _map_headers(importer: Importer, header: list[Any]) -> tuple[dict[int, Column], list[Column]]:
    wanted: dict[str, Column] = {}
    for column in importer.columns:
        for name in (column.header, *column.aliases):
            wanted.setdefault(_norm_header(name), column)
    mapping: dict[int, Column] = {}
    for index, value in enumerate(header):
        column = wanted.get(_norm_header(value))
        if column is not None and column not in mapping.values():
            mapping[index] = column
    missing = [c for c in importer.columns if c.required and c not in mapping.values()]
    return mapping, missing


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def run_import(
    importer: Importer,
    stream: IO[bytes] | None,
    *,
    dry_run: bool = False,
    size: int | None = None,
    name: str | None = None,
    sheet: str | None = None,
    table: Table | None = None,
    progress: Callable[[int], Any] | None = None,
) -> ImportResult:
    """Validate the whole file (or an already read `table`); unless `dry_run` or any row is bad, write
    it all in one transaction. `progress` gets a percentage now and then."""
    with _collector_paused():
        return _run_import(importer, stream, dry_run, size, name, sheet, table, progress)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for one import. A file becomes hundreds of thousands of rows,
    cells and cleaned items that live until the write and form no cycles, and each collection would
    walk them all again for nothing (about 6% of a 50,000-teacher import). Reference counting still
    frees everything; the collector resumes, as it was, when the import ends or fails."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _run_import(
    importer: Importer,
    stream: IO[bytes] | None,
    dry_run: bool,
    size: int | None,
    name: str | None,
    sheet: str | None,
    table: Table | None,
    progress: Callable[[int], Any] | None,
) -> ImportResult:
    result = ImportResult()
    book = None
    try:
        if table is None:
            table, book = read_table(stream, size=size, name=name, sheet=sheet)
        result.sheet, result.sheets = table.sheet, table.sheets
        if len(table.sheets) > 1:
            result.notes.append(_(NOTE_SHEET).format(sheet=table.sheet))
        cleaned = _validate(importer, table, result, book, progress)
    except ImportFileError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    if cleaned is None:
        return result
    result.errors.sort(key=lambda e: (e.row, e.column))
    result.preview = [importer.preview_row(item) for item in cleaned[: importer.preview_limit]]
    if result.errors or dry_run:
        result.created, result.updated = _count_plan(importer, cleaned)
        return result
    try:
        with transaction.atomic():
            result.created, result.updated = importer.write(cleaned)
    except (DatabaseError, ValidationError) as exc:
        # Row rules check every limit the database has, so this is a bug or a race: say so plainly.
        logger.exception("import %s failed while writing", importer.kind)
        reason = exc.messages[0] if isinstance(exc, ValidationError) else type(exc).__name__
        result.errors.append(RowError(0, "", _(ERR_WRITE_FAILED).format(reason=reason)))
        return result
    result.written = True
    return result


def _validate(
    importer: Importer,
    table: Table,
    result: ImportResult,
    book: Any,
    progress: Callable[[int], Any] | None,
) -> list[Any] | None:
    mapping: dict[int, Column] | None = None
    importer.prepare()
    cleaned: list[Any] = []
    deadline = book.deadline if book is not None else None
    limits = book.limits if book is not None else spreadsheet.current_limits()
    expected = max(getattr(table.rows, "__len__", lambda: 0)(), 1)
    scanned = 0
    block: list[tuple[int, list[Any]]] = []
    for offset, raw in enumerate(table.rows):
        number = table.first_row + offset
        scanned += 1
        if scanned % PROGRESS_EVERY == 0:
            if deadline is not None and time.monotonic() > deadline:
                raise ImportFileError(_(spreadsheet.ERR_TIME_BUDGET).format(seconds=int(limits.seconds)))
            if progress is not None:
                progress(min(95, 100 * scanned // expected))
        if mapping is None:
            if all(_is_blank(v) for v in raw):
                continue
            mapping, missing = _map_headers(importer, raw)
            specs = _compile(mapping)
            if not mapping:
                mapping = None
                if offset + 1 >= HEADER_SCAN_ROWS:
                    raise ImportFileError(_no_header(table))
                continue
            for column in missing:
                result.errors.append(RowError(number, column.header, _(ERR_MISSING_COLUMN)))
            if missing:
                return None
            headers = [_norm_header(v) for v in raw]
            ignored = [h for index, h in enumerate(headers) if h and index not in mapping]
            importer.headers_found(headers, result.notes)
            if ignored:
                result.notes.append(_(NOTE_IGNORED_COLUMNS).format(columns="、".join(ignored)))
            continue
        first = raw[0] if raw else None
        # Most rows start with a filled cell: only the others are looked at cell by cell.
        if (first is None or (first.__class__ is str and not first.strip())) and all(_is_blank(v) for v in raw):
            continue
        result.total_rows += 1
        if result.total_rows > MAX_ROWS:
            raise ImportFileError(_(ERR_TOO_MANY_ROWS).format(limit=MAX_ROWS))
        block.append((number, raw))
        if len(block) == BLOCK_ROWS:
            _clean_block(importer, specs, block, result.errors, cleaned)
            block = []
    if block:
        _clean_block(importer, specs, block, result.errors, cleaned)
    if mapping is None:
        raise ImportFileError(_no_header(table))
    if result.total_rows == 0:
        raise ImportFileError(_(ERR_NO_ROWS))
    importer.finish(cleaned, result.errors)
    if progress is not None:
        progress(100)
    return cleaned


def _no_header(table: Table) -> str:
    if not table.sheet:
        return _(ERR_NO_HEADER)
    return _(ERR_NO_HEADER_IN_SHEET).format(
        sheet=table.sheet, rows=HEADER_SCAN_ROWS, sheets="、".join(f"“{s}”" for s in table.sheets)
    )


def _count_plan(importer: Importer, cleaned: list[Any]) -> tuple[int, int]:
    planner = getattr(importer, "plan", None)
    return planner(cleaned) if planner else (len(cleaned), 0)


MEMO_LIMIT = 100_000  # distinct values per column whose outcome is remembered
# A column whose values hardly repeat (names, phone numbers) stops being remembered after this many
# cells, when fewer than a quarter of them were found remembered: looking up costs more than it saves.
MEMO_TRIAL = 4000


class _Failed:
    """A cell's failed check: the message, and whether the key stays in the row's values (a blank
    required cell is there as None; a cell that failed to parse is left out)."""

    __slots__ = ("keep", "message")

    def __init__(self, message: str, *, keep: bool = False) -> None:
        self.message = message
        self.keep = keep


class _Spec:
    """One mapped column, compiled once per file. Parsers are functions of the cell alone, so a
    column's repeated values (学段, 学校, 是/否…) are checked once and their outcome remembered: text
    cells (and blanks) by value, other cells by (type, value), as 1, 1.0 and True are equal keys."""

    __slots__ = (
        "column",
        "full",
        "index",
        "key",
        "max_length",
        "model_field",
        "other_memo",
        "text_memo",
        "memo_failed",
        "remember",
        "seen",
        "hits",
    )

    def __init__(self, index: int, column: Column) -> None:
        self.index = index
        self.column = column
        self.key = column.key
        self.model_field = column.model_field if column.field is not None else None
        self.max_length = getattr(self.model_field, "max_length", None) or 0
        # A text field's length is checked inline; numbers go through `check_limits`.
        self.full = self.model_field is not None and self.model_field.get_internal_type() not in (
            "CharField",
            "TextField",
        )
        self.text_memo: dict[Any, Any] = {}
        self.other_memo: dict[tuple[type, Any], Any] = {}
        self.memo_failed = False  # whether text_memo holds a failure
        self.remember = True
        self.seen = self.hits = 0

    def outcome(self, value: Any) -> Any:
        """The parsed value, None for a blank optional cell, or a _Failed."""
        if value is None or (value.__class__ is str and not value.strip()):
            return _Failed(_(ERR_REQUIRED), keep=True) if self.column.required else None
        parse = self.column.parse
        try:
            if parse is not None:
                value = parse(value)
            if self.max_length and value.__class__ is str and len(value) > self.max_length:
                raise CellError(_(ERR_TOO_LONG).format(limit=self.max_length, length=len(value)))
            if self.full:
                check_limits(self.model_field, value)
        except (CellError, ValidationError) as exc:
            return _Failed(exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        return value

    def _parse_each(self, cells: Sequence[Any]) -> tuple[list[Any], list[int]]:
        """`outcome` for each cell of a column not remembered (names, ID numbers), as one loop: these
        columns are checked cell by cell, 600,000 calls for a 300,000-row file of two of them."""
        parse, max_length, full = self.column.parse, self.max_length, self.full
        blank: Any = _Failed(_(ERR_REQUIRED), keep=True) if self.column.required else None
        outcomes: list[Any] = []
        failed: list[int] = []
        append = outcomes.append
        for value in cells:
            if value is None or (value.__class__ is str and not value.strip()):
                if blank is not None:
                    failed.append(len(outcomes))
                append(blank)
                continue
            try:
                if parse is not None:
                    value = parse(value)
                if max_length and value.__class__ is str and len(value) > max_length:
                    raise CellError(_(ERR_TOO_LONG).format(limit=max_length, length=len(value)))
                if full:
                    check_limits(self.model_field, value)
            except (CellError, ValidationError) as exc:
                failed.append(len(outcomes))
                value = _Failed(exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
            append(value)
        return outcomes, failed

    def parse(self, cells: Sequence[Any]) -> tuple[list[Any], list[int]]:
        """Every cell's outcome, and the positions of those that failed."""
        if not self.remember:
            return self._parse_each(cells)
        outcomes = list(map(self.text_memo.get, cells, repeat(_MISSING)))
        missed = [i for i, x in enumerate(outcomes) if x is _MISSING]
        hits = len(cells) - len(missed)
        failed: list[int] = []
        text_memo, other_memo = self.text_memo, self.other_memo
        for i in missed:
            value = cells[i]
            if value is None or value.__class__ is str:
                # An earlier cell of this block may have brought the value: a file sorted by sub-project
                # repeats each name within a block, and those repeats are hits too.
                outcome = text_memo.get(value, _MISSING)
                if outcome is not _MISSING:
                    hits += 1
                else:
                    outcome = self.outcome(value)
                    if len(text_memo) < MEMO_LIMIT:
                        text_memo[value] = outcome
                        if outcome.__class__ is _Failed:
                            self.memo_failed = True
            elif value.__class__ is float and value != value:
                outcome = self.outcome(value)  # NaN equals nothing, not even itself
            else:
                key = (value.__class__, value)
                outcome = other_memo.get(key, _MISSING)
                if outcome is _MISSING:
                    outcome = self.outcome(value)
                    if len(other_memo) < MEMO_LIMIT:
                        other_memo[key] = outcome
                else:
                    hits += 1
            outcomes[i] = outcome
            if outcome.__class__ is _Failed:
                failed.append(i)
        # Numbers (years, hours) are remembered by (type, value): their hits count as the texts' do.
        self.seen += len(cells)
        self.hits += hits
        if self.seen >= MEMO_TRIAL and self.hits * 4 < self.seen:
            self.remember = False
        if self.memo_failed:
            failed = [i for i, x in enumerate(outcomes) if x.__class__ is _Failed]
        return outcomes, failed


_MISSING = object()


def _compile(mapping: dict[int, Column]) -> list[_Spec]:
    return [_Spec(index, column) for index, column in mapping.items()]


def _clean_block(
    importer: Importer,
    specs: list[_Spec],
    block: list[tuple[int, list[Any]]],
    errors: list[RowError],
    cleaned: list[Any],
) -> None:
    """Parse a block of rows column by column, then run the importer's row rules row by row. Errors
    come out in another order than row by row; `run_import` sorts them by row and column."""
    rows = [raw for _number, raw in block]
    width = min(map(len, rows))
    # calamine gives every row of a sheet the same width: the block transposes in C.
    transposed = list(zip(*rows, strict=True)) if width == max(map(len, rows)) else None
    columns = []
    bad: dict[int, bool] = {}  # rows with a failed cell
    for spec in specs:
        index = spec.index
        if transposed is not None and index < width:
            cells = transposed[index]
        else:
            cells = [raw[index] if index < len(raw) else None for raw in rows]
        outcomes, failed = spec.parse(cells)
        header = spec.column.header
        for i in failed:
            outcome = outcomes[i]
            shown = "" if outcome.keep else _shown(cells[i])
            errors.append(RowError(block[i][0], header, outcome.message, shown))
            bad[i] = True
        columns.append(outcomes)
    keys = [spec.key for spec in specs]
    if importer.clean_columns is not None:
        numbers = [number for number, _raw in block]
        if bad and not importer.clean_partial_rows:
            # The row rules see only the rows whose every cell parsed, as clean_row would.
            kept = [i for i in range(len(block)) if i not in bad]
            columns = [[outcomes[i] for i in kept] for outcomes in columns]
            numbers = [numbers[i] for i in kept]
            bad = {}
        values = {
            key: [None if x.__class__ is _Failed else x for x in outcomes] if bad else outcomes
            for key, outcomes in zip(keys, columns, strict=True)
        }
        items = importer.clean_columns(values, numbers, errors)
        cleaned.extend(item for i, item in enumerate(items) if item is not None and i not in bad)
        return
    partial = importer.clean_partial_rows
    clean_row = importer.clean_row
    for i, outcomes in enumerate(zip(*columns, strict=True)):
        number = block[i][0]
        if i in bad:
            if not partial:
                continue
            values = {
                key: (None if value.__class__ is _Failed else value)
                for key, value in zip(keys, outcomes, strict=True)
                if value.__class__ is not _Failed or value.keep
            }
            clean_row(values, number, errors)
            continue
        item = clean_row(dict(zip(keys, outcomes, strict=True)), number, errors)
        if item is not None:
            cleaned.append(item)


def _shown(raw: Any) -> str:
    shown = cell_text(raw)
    return shown[:40] + "…" if len(shown) > 40 else shown


_INTEGER_TYPES = BaseDatabaseOperations.integer_field_ranges


def check_limits(model_field: Any, value: Any) -> None:
    """Raise CellError when `value` would not fit `model_field` as the database stores it."""
    if value is None:
        return
    internal = model_field.get_internal_type()
    max_length = getattr(model_field, "max_length", None)
    if max_length and isinstance(value, str) and len(value) > max_length:
        raise CellError(_(ERR_TOO_LONG).format(limit=max_length, length=len(value)))
    if internal in _INTEGER_TYPES and isinstance(value, int | Decimal):
        low, high = _INTEGER_TYPES[internal]
        if not low <= value <= high:
            raise CellError(_(ERR_OUT_OF_RANGE).format(low=low, high=high))
    if internal == "DecimalField" and isinstance(value, Decimal | int):
        value = Decimal(value)
        if not value.is_finite():
            raise CellError(_(ERR_NOT_FINITE))
        places = model_field.decimal_places
        sign, digits, exponent = value.normalize().as_tuple()
        if isinstance(exponent, int) and -exponent > places:
            raise CellError(_(ERR_DECIMAL_PLACES).format(places=places))
        whole = model_field.max_digits - places
        if abs(value) >= Decimal(10) ** whole:
            raise CellError(_(ERR_DECIMAL_DIGITS).format(digits=whole))


# Parsers shared by importers. Each raises CellError with a Chinese message.


def parse_text(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    elif isinstance(value, dt.datetime | dt.date):
        return cell_text(value)
    return str(value).strip()


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        raise CellError(_("应为数字"))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(_(ERR_NOT_FINITE))
        return repr(value)
    text = str(value).strip().replace(",", "")
    if not text.isascii():
        raise CellError(_(ERR_HALF_WIDTH))
    return text


def parse_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        number = Decimal(_number_text(value))
    except InvalidOperation as exc:
        raise CellError(_("应为整数")) from exc
    if not number.is_finite():
        raise CellError(_(ERR_NOT_FINITE))
    if number != number.to_integral_value():
        raise CellError(_("应为整数"))
    return int(number)


def parse_decimal(value: Any) -> Decimal:
    try:
        number = Decimal(_number_text(value))
    except InvalidOperation as exc:
        raise CellError(_("应为数字")) from exc
    if not number.is_finite():
        raise CellError(_(ERR_NOT_FINITE))
    return number


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    if not text.isascii():
        raise CellError(_("日期格式应为 2024-09-01"))
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CellError(_("日期格式应为 2024-09-01")) from exc


_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))(?:[-/.]?\d{1,2}日?)?$")


def parse_month(value: Any) -> dt.date:
    """A month (2005-09, 2005年9月, 200509, 2005.9, or a date cell) as its first day."""
    if isinstance(value, dt.datetime | dt.date):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    match = _MONTH.match(text) if text.isascii() or "年" in text else None
    if match:
        month = int(match.group(2) or match.group(3))
        if 1 <= month <= 12 and 1900 <= int(match.group(1)) <= 2100:
            return dt.date(int(match.group(1)), month, 1)
    raise CellError(_("年月格式应为 2005-09"))


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"是", "1", "true", "y", "yes", "√"}:
        return True
    if text in {"否", "0", "false", "n", "no", ""}:
        return False
    raise CellError(_("应为“是”或“否”"))


_MOBILE = re.compile(r"^1\d{10}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")


def parse_phone(value: Any) -> str:
    """An 11-digit mobile number starting with 1, or a landline with its area code."""
    text = parse_text(value).replace(" ", "").replace("－", "-")
    if text.startswith("+86"):
        text = text[3:].lstrip("-")
    if text.isascii() and (_MOBILE.match(text) or _LANDLINE.match(text)):
        return text
    raise CellError(_(ERR_PHONE))


def parse_id_text(value: Any) -> str:
    """A 身份证号 cell as text; a spreadsheet that turned it into a number gets its own message."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(_(ERR_ID_AS_NUMBER))
    return str(value).strip().upper().replace(" ", "")


def choice_parser(choices: Any, *, label: str) -> Callable[[Any], str]:
    """Accept a TextChoices label (what users type) or its stored value."""
    by_label = {str(lbl): value for value, lbl in choices.choices}
    values = {value for value, _lbl in choices.choices}

    def parse(value: Any) -> str:
        text = str(value).strip()
        if text in by_label:
            return by_label[text]
        if text in values:
            return text
        allowed = "、".join(by_label)
        raise CellError(_("{label}“{text}”无效，可选：{allowed}").format(label=label, text=text, allowed=allowed))

    parse.allowed = tuple(by_label)  # type: ignore[attr-defined]
    return parse


def template_workbook(importer_cls: type[Importer], example_rows: list[list[Any]] | None = None) -> Any:
    from .import_files import template_workbook as build

    return build(importer_cls, example_rows)


def uses_copy(count: int, threshold: int) -> bool:
    """Whether a write of `count` rows goes through PostgreSQL COPY (SQLite keeps the ORM path)."""
    return connection.vendor == "postgresql" and count >= threshold
