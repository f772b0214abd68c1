"""Reading uploaded spreadsheets (xlsx, xls, ods) with python-calamine, within bounds.

calamine loads a whole sheet into a dense grid (rows x columns, about 32 bytes a cell) before the
first row comes back, so every bound is enforced before calamine sees the data: the file is sniffed
by content, its inflated size checked from the zip directory and again while inflating, and the
chosen sheet's XML (or BIFF records) is pre-scanned in a streaming pass that counts rows, the grid's
extent, the longest text and formula cells, within a time budget. Each refusal is a Chinese message.
"""

import datetime as dt
import io
import re
import struct
import time
import xml.parsers.expat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

ERR_EMPTY_FILE = "文件为空"
ERR_TOO_LARGE = "文件过大（上限 {limit} MB）"
ERR_ENCRYPTED = "文件已加密，请在表格软件中去掉打开密码后另存，再重新上传"
ERR_NOT_SPREADSHEET = "不是有效的表格文件（支持 .xlsx、.xls 和 .ods）"
ERR_WRONG_EXTENSION = "文件内容是 {actual} 格式，但文件名是 {named}，请用表格软件另存为正确的格式后重新上传"
ERR_UNREADABLE = "文件无法读取：{reason}"
ERR_INFLATED = "工作表“{sheet}”解压后过大（上限 {limit} MB），请删除多余的内容或拆分文件"
ERR_CELL_TOO_LONG = "工作表“{sheet}”中有单元格内容过长（上限 {limit} 个字符）"
ERR_SHEET_ROWS = "工作表“{sheet}”行数过多（含空行，上限 {limit} 行），请删除多余的空行或拆分文件"
ERR_SHEET_COLUMNS = "工作表“{sheet}”列数过多（上限 {limit} 列），请删除多余的列"
ERR_SHEET_CELLS = "工作表“{sheet}”的数据范围过大（{rows} 行 × {columns} 列），请删除远处的多余内容或拆分文件"
ERR_TIME_BUDGET = "文件处理超时（上限 {seconds} 秒），请拆分文件后分批导入"
ERR_FORMULAS = "工作表“{sheet}”含有公式单元格（{cells}），请复制后“选择性粘贴为数值”再导入"
ERR_NO_SHEET = "文件中没有可见的工作表"
ERR_SHEET_UNKNOWN = "文件中没有名为“{sheet}”的可见工作表"
ERR_BAD_XML = "文件结构不完整或已损坏"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
EXTENSIONS = {".xlsx": "xlsx", ".xls": "xls", ".ods": "ods"}
LABELS = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}
CHUNK = 1 << 22


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a row problem)."""


@dataclass
class Limits:
    """What reading one file may cost. Module-level defaults; tests and benchmarks lower or raise them."""

    max_inflated_bytes: int = 1024 * 1024 * 1024  # every member of the archive together
    max_sheet_bytes: int = 256 * 1024 * 1024  # the chosen sheet's XML (or the ODS content) inflated
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_sheet_rows: int = 310_000  # rows the sheet spans, blank ones included
    max_columns: int = 100
    max_grid_cells: int = 6_000_000  # rows x columns calamine would allocate (about 200 MB)
    seconds: float = 60.0

    @property
    def max_text_bytes(self) -> int:
        return self.max_cell_chars * 4  # UTF-8: at most 4 bytes a character


LIMITS = Limits()


def current_limits() -> Limits:
    seconds = getattr(settings, "IMPORT_MAX_SECONDS", None)
    if seconds:
        return Limits(**{**LIMITS.__dict__, "seconds": float(seconds)})
    return Limits(**LIMITS.__dict__)


@dataclass
class Sheet:
    name: str
    visible: bool
    path: str = ""  # xlsx: the sheet's part inside the archive


@dataclass
class Workbook:
    """A sniffed, bounded workbook: its format, its sheets, and the rows of the chosen one."""

    kind: str
    sheets: list[Sheet]
    active: str | None
    data: bytes
    limits: Limits
    deadline: float
    scanned: set[str] = field(default_factory=set)

    @property
    def visible_names(self) -> list[str]:
        return [s.name for s in self.sheets if s.visible]

    def choose(self, name: str | None = None) -> str:
        """The sheet to read: the one asked for, else the active visible one, else the first visible one."""
        visible = self.visible_names
        if name:
            if name not in visible:
                raise ImportFileError(_(ERR_SHEET_UNKNOWN).format(sheet=name))
            return name
        if not visible:
            raise ImportFileError(_(ERR_NO_SHEET))
        return self.active if self.active in visible else visible[0]

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise ImportFileError(_(ERR_TIME_BUDGET).format(seconds=int(self.limits.seconds)))

    def rows(self, name: str) -> tuple[int, Iterator[list[Any]]]:
        """(the sheet's first row number, its rows) once the sheet passed its pre-scan."""
        if self.kind == "xlsx":
            _scan_xlsx_sheet(self, next(s for s in self.sheets if s.name == name))
        import python_calamine

        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            sheet_data = book.get_sheet_by_name(name)
        except python_calamine.PasswordError as exc:
            raise ImportFileError(_(ERR_ENCRYPTED)) from exc
        except Exception as exc:  # calamine raises kinds of its own
            raise ImportFileError(_(ERR_UNREADABLE).format(reason=type(exc).__name__)) from exc
        self.data = b""  # calamine holds its own copy; the raw bytes are not needed again
        start = sheet_data.start
        first = (start[0] + 1) if start else 1
        offset = start[1] if start else 0
        self.check_time()

        def iterate() -> Iterator[list[Any]]:
            pad = [""] * offset
            try:
                if offset:
                    for row in sheet_data.iter_rows():
                        yield pad + row
                else:
                    yield from sheet_data.iter_rows()
            finally:
                book.close()

        return first, iterate()


def sniff(stream: IO[bytes], *, size: int | None = None, name: str | None = None) -> Workbook:
    """Refuse what is not worth parsing (empty, too large, encrypted, not a spreadsheet, mislabelled),
    then read the workbook's structure and pre-scan whatever calamine loads when it opens the file."""
    limits = current_limits()
    deadline = time.monotonic() + limits.seconds
    max_bytes = settings.IMPORT_MAX_BYTES
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ImportFileError(_(ERR_EMPTY_FILE))
    if size > max_bytes:
        raise ImportFileError(_(ERR_TOO_LARGE).format(limit=max_bytes // (1024 * 1024)))
    data = stream.read(max_bytes + 1)
    stream.seek(0)
    if len(data) > max_bytes:
        raise ImportFileError(_(ERR_TOO_LARGE).format(limit=max_bytes // (1024 * 1024)))
    if not data:
        raise ImportFileError(_(ERR_EMPTY_FILE))
    if data.startswith(OLE_MAGIC):
        kind = _ole_kind(data)
    elif data.startswith(ZIP_MAGIC):
        kind = _zip_kind(data, limits)
    else:
        raise ImportFileError(_(ERR_NOT_SPREADSHEET))
    if name:
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        named = EXTENSIONS.get(suffix)
        if named is None:
            raise ImportFileError(_(ERR_NOT_SPREADSHEET))
        if named != kind:
            raise ImportFileError(_(ERR_WRONG_EXTENSION).format(actual=LABELS[kind], named=suffix))
    book = Workbook(kind=kind, sheets=[], active=None, data=data, limits=limits, deadline=deadline)
    {"xlsx": _open_xlsx, "ods": _open_ods, "xls": _open_xls}[kind](book)
    return book


# -- sniffing -------------------------------------------------------------------------------------


def _ole_kind(data: bytes) -> str:
    """An encrypted xlsx and a legacy xls are both OLE containers: their streams tell them apart."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:
        raise ImportFileError(_(ERR_NOT_SPREADSHEET)) from exc
    try:
        streams = {"/".join(entry).lower() for entry in ole.listdir()}
    finally:
        ole.close()
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        raise ImportFileError(_(ERR_ENCRYPTED))
    if "workbook" in streams or "book" in streams:
        return "xls"
    raise ImportFileError(_(ERR_NOT_SPREADSHEET))


def _zip_kind(data: bytes, limits: Limits) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError) as exc:
        raise ImportFileError(_(ERR_NOT_SPREADSHEET)) from exc
    if sum(info.file_size for info in infos) > limits.max_inflated_bytes:
        raise ImportFileError(_(ERR_TOO_LARGE).format(limit=settings.IMPORT_MAX_BYTES // (1024 * 1024)))
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx"
    if mimetype.strip() == ODS_MIMETYPE and "content.xml" in names:
        return "ods"
    raise ImportFileError(_(ERR_NOT_SPREADSHEET))


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise ImportFileError(_(ERR_BAD_XML)) from exc
    if info.file_size > 16 * 1024 * 1024:
        raise ImportFileError(_(ERR_BAD_XML))
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ImportFileError(_(ERR_BAD_XML)) from exc


def _chunks(archive: zipfile.ZipFile, name: str, book: Workbook, label: str) -> Iterator[bytes]:
    """A member inflated in chunks, never past the per-sheet limit, within the time budget."""
    limit = book.limits.max_sheet_bytes
    refused = ImportFileError(_(ERR_INFLATED).format(sheet=label, limit=limit // (1024 * 1024)))
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise ImportFileError(_(ERR_BAD_XML)) from exc
    if info.file_size > limit:
        raise refused
    total = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise refused
                book.check_time()
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ImportFileError(_(ERR_BAD_XML)) from exc


def _apply_calamine_visibility(book: Workbook) -> None:
    """Sheet visibility and type as calamine reports them (a chart sheet has no rows to import)."""
    import python_calamine

    try:
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book.data)) as wb:
            metadata = wb.sheets_metadata
    except python_calamine.PasswordError as exc:
        raise ImportFileError(_(ERR_ENCRYPTED)) from exc
    except Exception as exc:
        raise ImportFileError(_(ERR_UNREADABLE).format(reason=type(exc).__name__)) from exc
    known = {s.name: s for s in book.sheets}
    sheets = []
    for meta in metadata:
        sheet = known.get(meta.name) or Sheet(name=meta.name, visible=False)
        sheet.visible = (
            meta.visible == python_calamine.SheetVisibleEnum.Visible
            and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        )
        sheets.append(sheet)
    book.sheets = sheets


# -- bounds ---------------------------------------------------------------------------------------


@dataclass
class _Extent:
    rows: int = 0  # row elements seen, blank ones included
    max_row: int = 0
    max_col: int = 0
    formulas: list[str] = field(default_factory=list)
    formula_count: int = 0

    def formula(self, cell: str) -> None:
        self.formula_count += 1
        if len(self.formulas) < 10:
            self.formulas.append(cell)


def _check_extent(extent: _Extent, sheet: str, limits: Limits) -> None:
    if max(extent.rows, extent.max_row) > limits.max_sheet_rows:
        raise ImportFileError(_(ERR_SHEET_ROWS).format(sheet=sheet, limit=limits.max_sheet_rows))
    if extent.max_col > limits.max_columns:
        raise ImportFileError(_(ERR_SHEET_COLUMNS).format(sheet=sheet, limit=limits.max_columns))
    if extent.max_row * max(extent.max_col, 1) > limits.max_grid_cells:
        raise ImportFileError(_(ERR_SHEET_CELLS).format(sheet=sheet, rows=extent.max_row, columns=extent.max_col))


def _check_formulas(extent: _Extent, sheet: str) -> None:
    if extent.formula_count:
        cells = "、".join(extent.formulas)
        if extent.formula_count > len(extent.formulas):
            cells += _(" 等 {n} 个").format(n=extent.formula_count)
        raise ImportFileError(_(ERR_FORMULAS).format(sheet=sheet, cells=cells))


def col_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def col_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_too_long(sheet: str, limits: Limits) -> ImportFileError:
    return ImportFileError(_(ERR_CELL_TOO_LONG).format(sheet=sheet, limit=limits.max_cell_chars))


# -- xlsx -----------------------------------------------------------------------------------------

_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ACTIVE_TAB = re.compile(rb'<(?:\w+:)?workbookView\b[^>]*\bactiveTab="(\d+)"')
_FORMULA = re.compile(rb"<f[ >/]")
# Rows or cells without a leading reference, or namespace-prefixed ones, go to the exact parser.
# One search each (a literal-prefix regex runs at C speed; `in` for six tags cost more than all the rest):
# cells or rows without a leading reference (<c>, <c/>, <row …> without r=…), namespace-prefixed ones.
# XML allows any whitespace before an attribute; Excel writes one space, so a tab or a newline there
# (which the plain patterns below would not see) sends the sheet to the exact parser too.
_UNREFERENCED = re.compile(rb'<(?:c|row)(?:[\t\r\n]| (?!r=")|/?>)')
_PREFIXED = re.compile(rb":(?:c|row)[ \t\r\n]")
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}\d{1,7})"[^>]*>\s*<f[\s>/]')
_ROW_REF = re.compile(rb'<row r="(\d+)"')
_ONE_LETTER_CELL = re.compile(rb'<c r="([A-Z])\d')
_wide_cell_patterns: dict[int, re.Pattern[bytes]] = {}
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
_long_text_patterns: dict[int, re.Pattern[bytes]] = {}


def _long_text(limit: int) -> re.Pattern[bytes]:
    # Text and attribute values run between two "<": the longest such run bounds every cell's text.
    if limit not in _long_text_patterns:
        _long_text_patterns[limit] = re.compile(rb"<[^<]{%d}" % limit)
    return _long_text_patterns[limit]


def _wide_cell(digits: int) -> re.Pattern[bytes]:
    """Cells whose reference names a row of more than `digits` digits (first), or a column of two or
    three letters: one pass finds both, and a sheet of up to 26 columns yields nothing."""
    if digits not in _wide_cell_patterns:
        _wide_cell_patterns[digits] = re.compile(rb'<c r="([A-Z]{1,3}\d{%d,}|[A-Z]{2,3})' % (digits + 1))
    return _wide_cell_patterns[digits]


def _has_long_text(chunk: bytes, pattern: re.Pattern[bytes], limit: int) -> bool:
    """Whether `pattern` (a "<" and `limit` bytes without one) matches. A run that long covers a whole
    aligned block of half its length, so when every such block holds a "<" (a few finds a chunk,
    in C), the regex, which walks every byte, need not run."""
    block = max(limit // 2, 1)
    find = chunk.find
    if all(find(b"<", start, start + block) >= 0 for start in range(0, len(chunk), block)):
        return False
    return pattern.search(chunk) is not None


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: v.decode("utf-8", "replace") for k, v in _ATTR.findall(raw)}


def _unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def _open_xlsx(book: Workbook) -> None:
    with zipfile.ZipFile(io.BytesIO(book.data)) as archive:
        workbook_xml = _read_member(archive, "xl/workbook.xml")
        rels_xml = _read_member(archive, "xl/_rels/workbook.xml.rels")
        targets = {}
        for raw in _REL_TAG.findall(rels_xml):
            attrs = _attrs(raw)
            target = attrs.get("Target", "")
            targets[attrs.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
        for raw in _SHEET_TAG.findall(workbook_xml):
            attrs = _attrs(raw)
            book.sheets.append(
                Sheet(
                    name=_unescape(attrs.get("name", "")),
                    visible=attrs.get("state", "visible") == "visible",
                    path=targets.get(attrs.get("id"), ""),
                )
            )
        active = _ACTIVE_TAB.search(workbook_xml)
        if active and int(active.group(1)) < len(book.sheets):
            book.active = book.sheets[int(active.group(1))].name
        # calamine reads the shared strings when it opens the workbook: bound them first.
        if "xl/sharedStrings.xml" in archive.namelist():
            _scan_text(archive, "xl/sharedStrings.xml", book, _("共享字符串"))
    _apply_calamine_visibility(book)


def _scan_text(archive: zipfile.ZipFile, name: str, book: Workbook, label: str) -> None:
    pattern = _long_text(book.limits.max_text_bytes)
    tail = b""
    for chunk in _chunks(archive, name, book, label):
        chunk = tail + chunk
        if pattern.search(chunk):
            raise _cell_too_long(label, book.limits)
        cut = chunk.rfind(b"<")
        tail = chunk[cut:] if cut >= 0 else chunk


def _scan_xlsx_sheet(book: Workbook, sheet: Sheet) -> None:
    """A streaming pass over the sheet's XML with C-speed searches only (no per-cell Python work for
    what Excel, WPS, LibreOffice and openpyxl write); anything unusual takes the exact parser."""
    if sheet.name in book.scanned:
        return
    limits = book.limits
    long_text = _long_text(limits.max_text_bytes)
    extent = _Extent()
    plain = True
    tail = b""
    with zipfile.ZipFile(io.BytesIO(book.data)) as archive:
        for chunk in _chunks(archive, sheet.path, book, sheet.name):
            chunk = tail + chunk
            cut = chunk.rfind(b"<")
            # The last (maybe partial) tag goes with the next chunk, so no search straddles a cut.
            chunk, tail = (chunk[:cut], chunk[cut:]) if cut > 0 else (chunk, b"")
            if _has_long_text(chunk, long_text, limits.max_text_bytes) or len(tail) > limits.max_text_bytes:
                raise _cell_too_long(sheet.name, limits)
            if _UNREFERENCED.search(chunk) or _PREFIXED.search(chunk):
                plain = False
                break
            refs = _ROW_REF.findall(chunk)
            extent.rows += len(refs)
            if refs:
                extent.max_row = max(extent.max_row, max(map(int, refs)))
            # A cell whose own reference names a row far beyond its row elements would stretch the grid.
            digits = len(str(max(extent.max_row, 1)))
            wide = _wide_cell(digits).findall(chunk)
            if not all(ref.isalpha() for ref in wide):
                plain = False
                break
            if any(len(ref) == 3 for ref in wide):
                extent.max_col = max(extent.max_col, 703)
            elif wide:
                # Two letters each: the greatest in byte order is the widest column.
                extent.max_col = max(extent.max_col, col_number(max(wide).decode()))
            elif b'<c r="' in chunk:
                extent.max_col = max(extent.max_col, _last_row_width(chunk))
            _check_extent(extent, sheet.name, limits)
            if _FORMULA.search(chunk):
                found = _FORMULA_CELL.findall(chunk) or [b"?"]
                for cell in found:
                    extent.formula(cell.decode())
    if not plain:
        extent = _exact_xlsx_scan(book, sheet)
    _check_extent(extent, sheet.name, limits)
    _check_formulas(extent, sheet.name)
    book.scanned.add(sheet.name)


def _last_row_width(chunk: bytes) -> int:
    """The widest single-letter column of the chunk's last row: the rows of a sheet share a width, and
    a hostile sheet gains at most 26 columns this way, which the row bound already covers."""
    last = chunk.rfind(b"<row ")
    letters = _ONE_LETTER_CELL.findall(chunk, max(last, 0))
    return max((col_number(x.decode()) for x in letters), default=1)


def _expat() -> Any:
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def refuse(*args: Any) -> None:
        raise ImportFileError(_(ERR_BAD_XML))

    # As defusedxml does: no DTD, no entity declarations, no external entities.
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _feed(parser: Any, chunks: Iterator[bytes]) -> None:
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise ImportFileError(_(ERR_BAD_XML)) from exc


def _exact_xlsx_scan(book: Workbook, sheet: Sheet) -> _Extent:
    """Element by element (slower, still within the time budget): for sheets whose rows or cells
    carry no reference, or carry one the fast pass cannot vouch for."""
    limits = book.limits
    extent = _Extent()
    state = {"row": 0, "col": 0, "text": 0}
    parser = _expat()

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(" ", 1)[-1]
        if local == "row":
            extent.rows += 1
            ref = attrs.get("r", "")
            state["row"] = int(ref) if ref.isascii() and ref.isdigit() else state["row"] + 1
            state["col"] = 0
            extent.max_row = max(extent.max_row, state["row"])
            if extent.rows % 1000 == 0:
                book.check_time()
                _check_extent(extent, sheet.name, limits)
        elif local == "c":
            match = _CELL_REF.match(attrs.get("r", ""))
            if match:
                state["col"] = col_number(match.group(1))
                extent.max_row = max(extent.max_row, int(match.group(2)))
            else:
                state["col"] += 1
            extent.max_col = max(extent.max_col, state["col"])
        elif local == "f":
            extent.formula(f"{col_letters(state['col'])}{state['row']}")
        elif local in ("t", "v"):
            state["text"] = 0

    def text(data: str) -> None:
        state["text"] += len(data)
        if state["text"] > limits.max_cell_chars:
            raise _cell_too_long(sheet.name, limits)

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    with zipfile.ZipFile(io.BytesIO(book.data)) as archive:
        _feed(parser, _chunks(archive, sheet.path, book, sheet.name))
    return extent


# -- ods ------------------------------------------------------------------------------------------

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_ODS_ACTIVE = re.compile(rb'config:name="ActiveTable"[^>]*>([^<]*)<')


def _open_ods(book: Workbook) -> None:
    """calamine parses every table of content.xml when it opens the file, so all of them are bounded.
    Rows and cells repeated with a value count as often as they repeat; trailing blank repeats (which
    LibreOffice writes by the million) are not loaded and do not count."""
    limits = book.limits
    tables: list[tuple[str, _Extent]] = []
    state = {"row": 0, "col": 0, "repeat": 1, "valued": False, "text": 0, "cell": False}
    parser = _expat()

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == TABLE + "table":
            tables.append((attrs.get(TABLE + "name", ""), _Extent()))
            state["row"] = 0
            return
        if not tables:
            return
        name, extent = tables[-1]
        if tag == TABLE + "table-row":
            state.update(repeat=_repeat(attrs.get(TABLE + "number-rows-repeated")), valued=False, col=0)
            extent.rows += 1
            if extent.rows % 1000 == 0:
                book.check_time()
        elif tag in (TABLE + "table-cell", TABLE + "covered-table-cell"):
            repeat = _repeat(attrs.get(TABLE + "number-columns-repeated"))
            if OFFICE + "value-type" in attrs:
                state["valued"] = True
                extent.max_col = max(extent.max_col, state["col"] + repeat)
                _check_extent(extent, name, limits)
            if TABLE + "formula" in attrs:
                extent.formula(f"{col_letters(state['col'] + 1)}{state['row'] + 1}")
            state["col"] += repeat
            state.update(text=0, cell=True)

    def end(tag: str) -> None:
        if not tables:
            return
        name, extent = tables[-1]
        if tag == TABLE + "table-row":
            if state["valued"]:
                extent.max_row = state["row"] + state["repeat"]
                _check_extent(extent, name, limits)
            state["row"] += state["repeat"]
        elif tag in (TABLE + "table-cell", TABLE + "covered-table-cell"):
            state["cell"] = False

    def text(data: str) -> None:
        if state["cell"] and tables:
            state["text"] += len(data)
            if state["text"] > limits.max_cell_chars:
                raise _cell_too_long(tables[-1][0], limits)
            if not state["valued"] and data.strip():
                state["valued"] = True
                tables[-1][1].max_col = max(tables[-1][1].max_col, state["col"])

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with zipfile.ZipFile(io.BytesIO(book.data)) as archive:
        _feed(parser, _chunks(archive, "content.xml", book, _("内容")))
        if "settings.xml" in archive.namelist():
            active = _ODS_ACTIVE.search(_read_member(archive, "settings.xml"))
            if active:
                book.active = _unescape(active.group(1).decode("utf-8", "replace"))
    for name, extent in tables:
        _check_extent(extent, name, limits)
    _apply_calamine_visibility(book)
    visible = set(book.visible_names)
    for name, extent in tables:
        if name in visible:
            _check_formulas(extent, name)
    book.scanned.update(name for name, _extent in tables)


def _repeat(value: str | None) -> int:
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()):
        raise ImportFileError(_(ERR_BAD_XML))
    return max(1, int(value))


# -- xls (BIFF8 records inside an OLE container) --------------------------------------------------

BIFF_EOF = 0x000A
BIFF_BOUNDSHEET = 0x0085
BIFF_FILEPASS = 0x002F
BIFF_WINDOW1 = 0x003D
BIFF_FORMULA = 0x0006
BIFF_ROW = 0x0208
BIFF_MULRK = 0x00BD
# LABELSST, LABEL, NUMBER, RK, BOOLERR, RSTRING, FORMULA: the records that put a value in a cell.
BIFF_VALUE_CELLS = {0x00FD, 0x0204, 0x0203, 0x027E, 0x0205, 0x00D6, BIFF_FORMULA}


def _open_xls(book: Workbook) -> None:
    """calamine parses every sheet of an .xls when it opens it: the BIFF records of all are scanned."""
    import olefile

    try:
        with olefile.OleFileIO(book.data) as ole:
            stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()
    except Exception as exc:
        raise ImportFileError(_(ERR_UNREADABLE).format(reason=type(exc).__name__)) from exc
    sheets: list[tuple[str, int]] = []
    active_index = 0
    for record, payload in _biff_records(stream, 0):
        if record == BIFF_FILEPASS:
            raise ImportFileError(_(ERR_ENCRYPTED))
        if record == BIFF_BOUNDSHEET and len(payload) >= 8:
            offset, sheet_type = struct.unpack_from("<IxB", payload)
            if sheet_type == 0:
                sheets.append((_biff_short_string(payload[6:]), offset))
        elif record == BIFF_WINDOW1 and len(payload) >= 12:
            active_index = struct.unpack_from("<H", payload, 10)[0]
        elif record == BIFF_EOF:
            break
    extents: dict[str, _Extent] = {}
    for name, offset in sheets:
        extent = _Extent()
        for count, (record, payload) in enumerate(_biff_records(stream, offset)):
            if count % 5000 == 0:
                book.check_time()
            if record == BIFF_EOF and count:
                break
            if record == BIFF_ROW:
                extent.rows += 1
            elif len(payload) >= 6 and (record in BIFF_VALUE_CELLS or record == BIFF_MULRK):
                row, col = struct.unpack_from("<HH", payload)
                last = struct.unpack_from("<H", payload, len(payload) - 2)[0] if record == BIFF_MULRK else col
                extent.max_row = max(extent.max_row, row + 1)
                extent.max_col = max(extent.max_col, last + 1)
                if record == BIFF_FORMULA:
                    extent.formula(f"{col_letters(col + 1)}{row + 1}")
        _check_extent(extent, name, book.limits)
        extents[name] = extent
    _apply_calamine_visibility(book)
    if 0 <= active_index < len(sheets):
        book.active = sheets[active_index][0]
    for sheet in book.sheets:
        if sheet.visible and sheet.name in extents:
            _check_formulas(extents[sheet.name], sheet.name)
    book.scanned.update(extents)


def _biff_records(stream: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    pos = start
    while pos + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, pos)
        yield record, stream[pos + 4 : pos + 4 + length]
        pos += 4 + length


def _biff_short_string(raw: bytes) -> str:
    if len(raw) < 2:
        return ""
    length, flags = raw[0], raw[1]
    if flags & 1:
        return raw[2 : 2 + 2 * length].decode("utf-16-le", "replace")
    return raw[2 : 2 + length].decode("latin-1")


def cell_text(value: Any) -> str:
    """A cell's value as the user typed it, for error workbooks and messages."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
