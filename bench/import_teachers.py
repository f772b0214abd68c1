"""Benchmark: import 50,000 teachers into PostgreSQL through the real import framework.

Run on demand (`make bench`), never in CI. It makes a scratch database through `bench/_scratch.py`
(dropped at the end), writes an xlsx of valid teachers, and times two things on the same file:

- baseline: python-calamine reads the sheet and the same rows go into the table with one `COPY`
  (no validation, no merge);
- import:   `core.importing.run_import(TeacherImporter(), ...)`, what the browser and the command run
  (bounded pre-scan, calamine, every check, COPY into a temporary table and one set-based merge).

Each phase runs in its own child process, so its peak memory (ru_maxrss) is its own; the table is
emptied before each phase. Targets (issue 18): import <= 1.5x baseline, peak memory < 500 MB.

Measured 2026-12-04 on the quiet 2-core development machine (load 0.8), best of 3: 1.28x (1.93 s
baseline, 2.47 s import, peak 164 MB); on the next session's machine, whose server COPY is faster
(load 1.2, best of 3): 1.42x (1.35 s baseline, 1.90 s import, peak 164 MB). The day before, with other runs beside it, the same file gave
1.47x to 2.15x as the load moved: the baseline is mostly the server's COPY and the import's extra is
client CPU (the pre-scan about 0.2 s, the checks about 0.6 s, the COPY lines about 0.2 s), so only a
quiet machine's figure is worth keeping. What brought it from 1.58x to 1.28x: the cycle collector
paused during the import (0.15 s), the COPY streamed in blocks while the next is built, ID numbers
checked by one ASCII match with their birth dates remembered.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_teachers.py [--rows N]
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import ROOT, maxrss_mb, migrate, scratch_database, setup_django  # noqa: E402

SCHOOLS = 45
TARGET_RATIO = 1.5
TARGET_MB = 500
HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "手机号",
    "学校",
    "学段",
    "学科",
    "职称",
    "岗位",
    "乡村教师",
    "特岗教师",
    "入职年份",
    "学历",
]


def _id_numbers(count: int, rng: random.Random):
    from trainees.idcard import check_digit

    seen: set[str] = set()
    start = dt.date(1960, 1, 1).toordinal()
    span = dt.date(2000, 12, 31).toordinal() - start
    while len(seen) < count:
        birth = dt.date.fromordinal(start + rng.randrange(span))
        first17 = f"4305{rng.randrange(21, 30):02d}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + check_digit(first17)
        if number not in seen:
            seen.add(number)
            yield number


def generate(path: Path, rows: int, codes: list[str]) -> None:
    from openpyxl import Workbook

    rng = random.Random(2026)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("教师")
    ws.append(HEADER)
    for i, number in enumerate(_id_numbers(rows, rng)):
        ws.append(
            [f"教师{i:05d}", number, "男" if int(number[16]) % 2 else "女", f"139{rng.randrange(10**8):08d}",
             codes[i % len(codes)], rng.choice(["小学", "初中", "高中", "幼儿园"]),
             rng.choice(["语文", "数学", "英语", "物理", "音乐", "体育"]), "一级教师",
             rng.choice(["教师", "班主任", "教研员"]), rng.choice(["是", "否"]), "否", rng.randrange(1985, 2025), "本科"]
        )  # fmt: skip
    wb.save(path)


def seed() -> list[str]:
    from trainees.models import School
    from trainees.services import region_ensure_path

    county, township = region_ensure_path(province="湖南省", city="示例市", county="示例县", township="城关镇")
    School.objects.bulk_create(
        School(
            code=f"BENCH{n:03d}", name=f"示例县第{n}小学", county=county, township=township, kind="urban", area="urban"
        )
        for n in range(1, SCHOOLS + 1)
    )
    return [f"BENCH{n:03d}" for n in range(1, SCHOOLS + 1)]


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE trainees_teachertransfer, trainees_teacher RESTART IDENTITY CASCADE")


def phase_baseline(path: Path) -> dict:
    """The floor: calamine reads the same file and one COPY puts the same rows in the table, unchecked."""
    import python_calamine
    from django.db import connection, transaction
    from django.utils import timezone

    from trainees.models import School, Teacher

    _truncate()
    start = time.perf_counter()
    schools = dict(School.objects.values_list("code", "pk"))
    now = timezone.now().isoformat()
    stages = {str(label): value for value, label in Teacher.Stage.choices}
    posts = {str(label): value for value, label in Teacher.Post.choices}
    buffer = io.StringIO()
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        rows = wb.get_sheet_by_name("教师").iter_rows()
        next(rows)
        for name, number, gender, phone, school, stage, subject, title, post, rural, special, year, edu in rows:
            buffer.write(
                f"{name}\t{number}\t{'M' if gender == '男' else 'F'}\t{number[6:10]}-{number[10:12]}-{number[12:14]}\t"
                f"{phone}\t{schools[school]}\t{stages[stage]}\t{subject}\t{title}\t{posts[post]}\t"
                f"{'t' if rural == '是' else 'f'}\t{'t' if special == '是' else 'f'}\t{int(year)}\t{edu}\t"
                f"f\tf\t\tf\tf\tf\t\t{now}\t{now}\n"
            )
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cur:
        cur.copy_expert(
            "COPY trainees_teacher (name, id_number, gender, birth_date, phone, school_id, stage, subject, title, post,"
            " is_rural, is_special_post, entry_year, education, is_inclusive_teacher, is_resource_teacher,"
            " special_ed_direction, is_backbone, is_master_teacher, special_ed_trained, employment_form,"
            " created_at, updated_at) FROM STDIN",
            buffer,
        )
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "rows": Teacher.objects.count(), "maxrss_mb": maxrss_mb()}


def phase_import(path: Path) -> dict:
    from core.importing import run_import
    from trainees.importers import TeacherImporter
    from trainees.models import Teacher

    _truncate()
    start = time.perf_counter()
    with path.open("rb") as stream:
        result = run_import(TeacherImporter(), stream, name=path.name)
    elapsed = time.perf_counter() - start
    if result.errors:
        raise SystemExit(f"import refused the benchmark file: {[str(e) for e in result.errors[:5]]}")
    return {"seconds": elapsed, "rows": Teacher.objects.count(), "created": result.created, "maxrss_mb": maxrss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2, help="run each phase N times, report the best")
    parser.add_argument("--phase", choices=["baseline", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["IMPORT_MAX_BYTES"] = str(200 * 1024 * 1024)

    if args.phase:
        with scratch_database("import_teachers", database=args.database) as url:
            setup_django(url)
            run = phase_baseline if args.phase == "baseline" else phase_import
            print(json.dumps(run(Path(args.file))))
        return 0

    best: dict[str, dict] = {}
    with scratch_database("import_teachers") as url, tempfile.TemporaryDirectory(prefix="peixun-bench-") as tmp:
        setup_django(url)
        migrate()
        codes = seed()
        from django.db import connections

        connections.close_all()
        path = Path(tmp) / "teachers.xlsx"
        start = time.perf_counter()
        generate(path, args.rows, codes)
        print(
            f"generated {args.rows:,} teachers in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 1e6:.1f} MB xlsx)"
        )
        database = url.rsplit("/", 1)[1]
        for _ in range(args.repeat):
            for name in ("baseline", "import"):
                cmd = [sys.executable, __file__, "--phase", name, "--file", str(path), "--database", database]
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
                if out.returncode:
                    print(out.stderr[-3000:], file=sys.stderr)
                    return 1
                got = json.loads(out.stdout.strip().splitlines()[-1])
                if got["rows"] != args.rows:
                    print(f"{name}: expected {args.rows} rows in the table, found {got['rows']}", file=sys.stderr)
                    return 1
                if name not in best or got["seconds"] < best[name]["seconds"]:
                    best[name] = got

    base, imp = best["baseline"], best["import"]
    ratio = imp["seconds"] / base["seconds"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"teachers: {args.rows:,} rows, best of {args.repeat}, machine load {load}")
    print(f"  baseline (calamine read + COPY, no checks): {base['seconds']:6.2f} s, peak {base['maxrss_mb']:.0f} MB")
    print(f"  import   (run_import + TeacherImporter):    {imp['seconds']:6.2f} s, peak {imp['maxrss_mb']:.0f} MB")
    print(
        f"  ratio import/baseline: {ratio:.2f}x (target <= {TARGET_RATIO}x) {'OK' if ratio <= TARGET_RATIO else 'MISSED'}"
    )
    peak_ok = imp["maxrss_mb"] < TARGET_MB
    print(
        f"  peak memory of the import: {imp['maxrss_mb']:.0f} MB (target < {TARGET_MB} MB) {'OK' if peak_ok else 'MISSED'}"
    )
    return 0 if ratio <= TARGET_RATIO and peak_ok else 1


if __name__ == "__main__":
    sys.exit(main())
