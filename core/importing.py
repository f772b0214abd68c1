"""The Excel import framework every importer uses.

Read the xlsx read-only, map Chinese headers (any order, unknown columns ignored), validate every row,
collect every error, then write everything in one transaction or nothing. An importer only declares
its columns and its row rules.
"""

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .excel import new_workbook, write_sheet

ERR_EMPTY_FILE = "文件为空"
ERR_TOO_LARGE = "文件过大（上限 {limit} MB）"
ERR_ENCRYPTED = "文件已加密或为旧版 .xls 格式，请去掉密码并另存为 .xlsx 后再导入"
ERR_NOT_XLSX = "不是有效的 .xlsx 文件"
ERR_UNREADABLE = "文件无法读取：{reason}"
ERR_NO_HEADER = "找不到表头行"
ERR_MISSING_COLUMN = "缺少必需的列"
ERR_REQUIRED = "不能为空"
ERR_TOO_MANY_ROWS = "行数过多（上限 {limit} 行）"
ERR_NO_ROWS = "没有数据行"
ERR_DUPLICATE_IN_FILE = "与第 {row} 行重复"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and legacy xls are OLE containers
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # refuse zip bombs before openpyxl inflates anything
MAX_ROWS = 300_000
HEADER_SCAN_ROWS = 10


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a row problem)."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number, as the user sees it
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where} [{self.column}]：{self.message}" if self.column else f"{where}：{self.message}"


class CellError(ValueError):
    """Raised by a parser: the message is shown to the user next to the row and column."""


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    parse: Callable[[Any], Any] | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


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

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> Any:
        """Check one row's parsed values; append RowErrors; return what `write` needs (or None)."""
        raise NotImplementedError

    def finish(self, cleaned: list[Any], errors: list[RowError]) -> None:
        """Cross-row checks after every row is read."""

    def write(self, cleaned: list[Any]) -> tuple[int, int]:
        """Write every cleaned row; return (created, updated). Runs inside one transaction."""
        raise NotImplementedError

    def preview_row(self, item: Any) -> dict[str, Any]:
        return {}


def check_file(stream: IO[bytes], *, size: int | None = None) -> None:
    """Refuse files that are not worth parsing: empty, too large, encrypted or not a zip."""
    limit = settings.IMPORT_MAX_BYTES
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ImportFileError(_(ERR_EMPTY_FILE))
    if size > limit:
        raise ImportFileError(_(ERR_TOO_LARGE).format(limit=limit // (1024 * 1024)))
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE_MAGIC):
        raise ImportFileError(_(ERR_ENCRYPTED))
    if not head.startswith(ZIP_MAGIC):
        raise ImportFileError(_(ERR_NOT_XLSX))
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_(ERR_NOT_XLSX)) from exc
    finally:
        stream.seek(0)
    if "[Content_Types].xml" not in names:
        raise ImportFileError(_(ERR_NOT_XLSX))
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise ImportFileError(_(ERR_TOO_LARGE).format(limit=limit // (1024 * 1024)))


def _read_rows(stream: IO[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds; defusedxml's refusals among them
        raise ImportFileError(_(ERR_UNREADABLE).format(reason=type(exc).__name__)) from exc
    try:
        ws = wb.worksheets[0]
        yield from enumerate(ws.iter_rows(values_only=True), start=1)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(_(ERR_UNREADABLE).format(reason=type(exc).__name__)) from exc
    finally:
        wb.close()


def _norm_header(value: Any) -> str:
    if value is None:
        return ""
    # Template headers mark required columns with "*"; users also pad headers with spaces.
    return str(value).strip().replace(" ", "").replace("\u3000", "").rstrip("*")


def _map_headers(importer: Importer, header: tuple[Any, ...]) -> tuple[dict[int, Column], list[Column]]:
    wanted: dict[str, Column] = {}
    for column in importer.columns:
        for name in (column.header, *column.aliases):
            wanted[_norm_header(name)] = column
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
    importer: Importer, stream: IO[bytes], *, dry_run: bool = False, size: int | None = None
) -> ImportResult:
    """Validate the whole file; unless `dry_run` or any row is bad, write it all in one transaction."""
    result = ImportResult()
    try:
        check_file(stream, size=size)
        rows = _read_rows(stream)
        mapping: dict[int, Column] | None = None
        importer.prepare()
        cleaned: list[Any] = []
        for number, raw in rows:
            if mapping is None:
                if all(_is_blank(v) for v in raw):
                    continue
                mapping, missing = _map_headers(importer, raw)
                if not mapping and number >= HEADER_SCAN_ROWS:
                    raise ImportFileError(_(ERR_NO_HEADER))
                if not mapping:
                    mapping = None
                    continue
                for column in missing:
                    result.errors.append(RowError(number, column.header, _(ERR_MISSING_COLUMN)))
                if missing:
                    return result
                continue
            if all(_is_blank(v) for v in raw):
                continue
            result.total_rows += 1
            if result.total_rows > MAX_ROWS:
                raise ImportFileError(_(ERR_TOO_MANY_ROWS).format(limit=MAX_ROWS))
            values, ok = _parse_row(mapping, raw, number, result.errors)
            if not ok:
                continue
            item = importer.clean_row(values, number, result.errors)
            if item is not None:
                cleaned.append(item)
        if mapping is None:
            raise ImportFileError(_(ERR_NO_HEADER))
        if result.total_rows == 0:
            raise ImportFileError(_(ERR_NO_ROWS))
        importer.finish(cleaned, result.errors)
    except ImportFileError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    result.errors.sort(key=lambda e: (e.row, e.column))
    result.preview = [importer.preview_row(item) for item in cleaned[: importer.preview_limit]]
    if result.errors or dry_run:
        result.created, result.updated = _count_plan(importer, cleaned)
        return result
    with transaction.atomic():
        result.created, result.updated = importer.write(cleaned)
    result.written = True
    return result


def _count_plan(importer: Importer, cleaned: list[Any]) -> tuple[int, int]:
    planner = getattr(importer, "plan", None)
    return planner(cleaned) if planner else (len(cleaned), 0)


def _parse_row(
    mapping: dict[int, Column], raw: tuple[Any, ...], number: int, errors: list[RowError]
) -> tuple[dict[str, Any], bool]:
    values: dict[str, Any] = {}
    ok = True
    for index, column in mapping.items():
        value = raw[index] if index < len(raw) else None
        if _is_blank(value):
            if column.required:
                errors.append(RowError(number, column.header, _(ERR_REQUIRED)))
                ok = False
            values[column.key] = None
            continue
        if column.parse is not None:
            try:
                value = column.parse(value)
            except (CellError, ValidationError) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                errors.append(RowError(number, column.header, message))
                ok = False
                continue
        values[column.key] = value
    return values, ok


# Parsers shared by importers. Each raises CellError with a Chinese message.


def parse_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_int(value: Any) -> int:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise CellError(_("应为整数")) from exc
    if number != number.to_integral_value():
        raise CellError(_("应为整数"))
    return int(number)


def parse_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise CellError(_("应为数字")) from exc


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CellError(_("日期格式应为 2024-09-01")) from exc


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"是", "1", "true", "y", "yes", "√"}:
        return True
    if text in {"否", "0", "false", "n", "no", ""}:
        return False
    raise CellError(_("应为“是”或“否”"))


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

    return parse


def template_workbook(importer_cls: type[Importer], example_rows: list[list[Any]] | None = None) -> Any:
    wb = new_workbook()
    headers = [c.header + ("*" if c.required else "") for c in importer_cls.columns]
    write_sheet(wb, importer_cls.title or "导入模板", headers, example_rows or [])
    return wb
