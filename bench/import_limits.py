"""Benchmark: hostile spreadsheets (issue 12, item 4) are refused quickly and in little memory.

Builds each bomb file in a temp dir, then runs the real import (`run_import(TeacherImporter(), ...)`,
what the upload preview and the command run) on it in a child process of its own, so the peak memory
printed (ru_maxrss) is that import's. Target: every file refused within a few seconds (< 5 s) and under
300 MB. The scratch database (through `bench/_scratch.py`) is only there because the importer may look
things up; every file here is refused before it does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_limits.py
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import ROOT, maxrss_mb, migrate, scratch_database, setup_django  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_MB = 300
MB = 1024 * 1024
HEADER = b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t></is></c></row>'
ODS_CELL = b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'


def _long_text(megabytes: int):
    block = b"x" * MB
    for _ in range(megabytes):
        yield block


def xlsx_one_huge_cell(path: Path, megabytes: int) -> None:
    from tests.xlsx import raw_xlsx

    raw_xlsx(
        [HEADER, b'<row r="2"><c r="A2" t="inlineStr"><is><t>', *_long_text(megabytes), b"</t></is></c></row>"],
        path=path,
    )


def xlsx_blank_rows(path: Path, rows: int) -> None:
    from tests.xlsx import raw_xlsx

    valid = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
    blank = (
        b"".join(b'<row r="%d"/>' % n for n in range(start, min(start + 10_000, rows + 3)))
        for start in range(3, rows + 3, 10_000)
    )
    raw_xlsx([HEADER, valid, *blank], path=path)


def xlsx_blank_rows_unnumbered(path: Path, rows: int) -> None:
    from tests.xlsx import raw_xlsx

    valid = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
    raw_xlsx([HEADER, valid, *(b"<row/>" * 10_000 for _ in range(rows // 10_000))], path=path)


def xlsx_far_cell(path: Path) -> None:
    from tests.xlsx import raw_xlsx

    raw_xlsx([HEADER, b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'], path=path)


def _ods(path: Path, table_chunks) -> None:
    content_head = (
        b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        b"<office:body><office:spreadsheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(content_head)
            for chunk in table_chunks:
                content.write(chunk)
            content.write(b"</office:spreadsheet></office:body></office:document-content>")


def ods_repeated_rows(path: Path, rows: int) -> None:
    _ods(
        path,
        [
            b'<table:table table:name="S"><table:table-row>' + ODS_CELL + b"</table:table-row>",
            b'<table:table-row table:number-rows-repeated="%d">' % rows
            + ODS_CELL
            + b"</table:table-row></table:table>",
        ],
    )


def ods_one_huge_cell(path: Path, megabytes: int) -> None:
    _ods(
        path,
        [
            b'<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>',
            *_long_text(megabytes),
            b"</text:p></table:table-cell></table:table-row></table:table>",
        ],
    )


def ods_repeated_columns(path: Path) -> None:
    _ods(
        path,
        [
            b'<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string" '
            b'table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>'
            b'<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="string" '
            b'table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row></table:table>'
        ],
    )


BOMBS = {
    "xlsx, one cell of 800 MB": ("bomb1.xlsx", lambda p: xlsx_one_huge_cell(p, 800)),
    "xlsx, one cell of 200 MB (under the sheet size cap)": ("bomb2.xlsx", lambda p: xlsx_one_huge_cell(p, 200)),
    "xlsx, 5,000,000 blank rows after one valid row": ("bomb3.xlsx", lambda p: xlsx_blank_rows(p, 5_000_000)),
    "xlsx, 5,000,000 blank rows without numbers": ("bomb3b.xlsx", lambda p: xlsx_blank_rows_unnumbered(p, 5_000_000)),
    "xlsx, one cell at XFD1048576": ("bomb4.xlsx", xlsx_far_cell),
    "ods, a row repeated 5,000,000 times": ("bomb5.ods", lambda p: ods_repeated_rows(p, 5_000_000)),
    "ods, one cell of 800 MB": ("bomb6.ods", lambda p: ods_one_huge_cell(p, 800)),
    "ods, one cell of 200 MB (under the content size cap)": ("bomb7.ods", lambda p: ods_one_huge_cell(p, 200)),
    "ods, 16,384 columns x 1,048,576 rows repeated": ("bomb8.ods", ods_repeated_columns),
}


def phase(path: Path) -> dict:
    from core.importing import run_import
    from trainees.importers import TeacherImporter

    start = time.perf_counter()
    with path.open("rb") as stream:
        result = run_import(TeacherImporter(), stream, name=path.name)
    return {
        "seconds": time.perf_counter() - start,
        "maxrss_mb": maxrss_mb(),
        "refused": not result.written,
        "message": str(result.errors[0]) if result.errors else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        # Built in a process of its own: Linux keeps a parent's peak memory in the children it starts.
        sys.path.insert(0, str(ROOT))
        label, target = args.build.split("|", 1)
        BOMBS[label][1](Path(target))
        return 0
    if args.phase:
        with scratch_database("import_limits", database=args.database) as url:
            setup_django(url)
            print(json.dumps(phase(Path(args.phase))))
        return 0

    ok = True
    with scratch_database("import_limits") as url, tempfile.TemporaryDirectory(prefix="peixun-bombs-") as tmp:
        setup_django(url)
        migrate()
        from django.db import connections

        connections.close_all()
        database = url.rsplit("/", 1)[1]
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"hostile files, each imported in a child process; machine load {load}")
        for label, (name, _build) in BOMBS.items():
            path = Path(tmp) / name
            subprocess.run([sys.executable, __file__, "--build", f"{label}|{path}"], check=True, cwd=ROOT)
            cmd = [sys.executable, __file__, "--phase", str(path), "--database", database]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if out.returncode:
                print(f"  {label}: the import crashed\n{out.stderr[-2000:]}")
                ok = False
                continue
            got = json.loads(out.stdout.strip().splitlines()[-1])
            passed = got["refused"] and got["seconds"] < TARGET_SECONDS and got["maxrss_mb"] < TARGET_MB
            ok &= passed
            print(
                f"  {label}: {path.stat().st_size / MB:.2f} MB on disk, "
                f"{'refused' if got['refused'] else 'ACCEPTED'} in {got['seconds']:.2f} s, peak {got['maxrss_mb']:.0f} MB "
                f"(targets < {TARGET_SECONDS:.0f} s, < {TARGET_MB} MB) {'OK' if passed else 'MISSED'}\n"
                f"      {got['message']}"
            )
            path.unlink()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
