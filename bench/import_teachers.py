"""Benchmark: import 50,000 teachers into PostgreSQL through the real import framework.

Run on demand (`make bench`), never in CI. It builds a scratch database `peixun_bench` (dropped at
the end), writes an xlsx of valid teachers into a temp dir, and times two things against the same file:

- baseline: openpyxl read-only + a plain `bulk_create` of the same rows, no validation;
- import:   `core.importing.run_import(TeacherImporter(), ...)`, what the browser and the command run.

Each phase runs in its own child process so its peak memory (ru_maxrss) is its own and not the
generator's or the other phase's. The table is truncated before each phase, so both insert the same
rows into the same empty table. Targets (issue 2): import ≤ 2× baseline, peak memory < 500 MB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_teachers.py [--rows N]

Only the server part of DATABASE_URL is used; the database name is always `peixun_bench`.
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "peixun_bench"
SCHOOLS = 45
TARGET_RATIO = 2.0
TARGET_MB = 500


def _server_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _admin(sql: str, server: str) -> None:
    import psycopg2

    conn = psycopg2.connect(_server_url(server, "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-for-anything-else-0123456789")
    os.environ["DEBUG"] = "0"  # DEBUG would keep a log of every query in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


# -- generation (parent process) ----------------------------------------------------------------------


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
    stages = ["小学", "初中", "高中", "幼儿园"]
    subjects = ["语文", "数学", "英语", "物理", "音乐", "体育"]
    posts = ["教师", "班主任", "教研员"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("教师")
    ws.append(
        [
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
    )
    for i, number in enumerate(_id_numbers(rows, rng)):
        ws.append(
            [
                f"教师{i:05d}",
                number,
                "男" if int(number[16]) % 2 else "女",
                f"139{rng.randrange(10**8):08d}",
                codes[i % len(codes)],
                rng.choice(stages),
                rng.choice(subjects),
                "一级教师",
                rng.choice(posts),
                rng.choice(["是", "否"]),
                "否",
                rng.randrange(1985, 2025),
                "本科",
            ]
        )
    wb.save(path)


def setup_database(server: str) -> list[str]:
    _admin(f"DROP DATABASE IF EXISTS {BENCH_DB}", server)
    _admin(f"CREATE DATABASE {BENCH_DB}", server)
    _django(_server_url(server, BENCH_DB))
    from django.core.management import call_command

    from trainees.models import School
    from trainees.services import region_ensure_path

    call_command("migrate", verbosity=0, interactive=False)
    county, township = region_ensure_path(province="湖南省", city="示例市", county="示例县", township="城关镇")
    School.objects.bulk_create(
        School(
            code=f"BENCH{n:03d}", name=f"示例县第{n}小学", county=county, township=township, kind="urban", area="urban"
        )
        for n in range(1, SCHOOLS + 1)
    )
    return [f"BENCH{n:03d}" for n in range(1, SCHOOLS + 1)]


# -- phases (each in a child process) ----------------------------------------------------------------


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE trainees_teachertransfer, trainees_teacher RESTART IDENTITY CASCADE")


def phase_baseline(path: Path) -> dict:
    """The floor: read the same file read-only and insert the same rows without any checks."""
    from django.db import transaction
    from django.utils import timezone
    from openpyxl import load_workbook

    from trainees.models import School, Teacher

    _truncate()
    start = time.perf_counter()
    schools = dict(School.objects.values_list("code", "pk"))
    now = timezone.now()
    wb = load_workbook(path, read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    next(rows)  # header
    teachers = []
    for name, number, gender, phone, school, _stage, subject, title, _post, _rural, _sp, year, edu in rows:
        teachers.append(
            Teacher(
                name=name,
                id_number=number,
                gender="M" if gender == "男" else "F",
                birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                phone=phone,
                school_id=schools[school],
                subject=subject,
                title=title,
                entry_year=year,
                education=edu,
                created_at=now,
                updated_at=now,
            )
        )
    wb.close()
    with transaction.atomic():
        Teacher.objects.bulk_create(teachers, batch_size=2000)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "rows": Teacher.objects.count(), "maxrss_mb": _maxrss_mb()}


def phase_import(path: Path, profile: str = "") -> dict:
    from core.importing import run_import
    from trainees.importers import TeacherImporter
    from trainees.models import Teacher

    _truncate()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    with path.open("rb") as stream:
        result = run_import(TeacherImporter(), stream)
    elapsed = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    if result.errors:
        raise SystemExit(f"import refused the benchmark file: {[str(e) for e in result.errors[:5]]}")
    return {
        "seconds": elapsed,
        "rows": Teacher.objects.count(),
        "created": result.created,
        "maxrss_mb": _maxrss_mb(),
    }


def _run_phase(name: str, path: Path, database_url: str, profile: str) -> dict:
    cmd = [sys.executable, __file__, "--phase", name, "--file", str(path), "--database-url", database_url]
    if profile and name == "import":
        cmd += ["--profile", profile]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=1, help="run each phase N times, report the best")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database afterwards")
    parser.add_argument("--profile", default="", help="write a cProfile of the import phase to this file")
    parser.add_argument("--phase", choices=["baseline", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        _django(args.database_url)
        run = phase_baseline if args.phase == "baseline" else phase_import
        result = run(Path(args.file), args.profile) if args.phase == "import" else run(Path(args.file))
        print(json.dumps(result))
        return 0

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith("postgres"):
        print("bench needs a PostgreSQL DATABASE_URL (only its server part is used)", file=sys.stderr)
        return 2
    database_url = _server_url(server, BENCH_DB)
    try:
        codes = setup_database(server)
        from django.db import connections

        connections.close_all()
        with tempfile.TemporaryDirectory(prefix="peixun-bench-") as tmp:
            path = Path(tmp) / "teachers.xlsx"
            start = time.perf_counter()
            generate(path, args.rows, codes)
            print(
                f"generated {args.rows:,} teachers in {time.perf_counter() - start:.1f} s "
                f"({path.stat().st_size / 1024 / 1024:.1f} MB xlsx)"
            )
            best: dict[str, dict] = {}
            for _ in range(args.repeat):
                for name in ("baseline", "import"):
                    got = _run_phase(name, path, database_url, args.profile)
                    if got["rows"] != args.rows:
                        print(f"{name}: expected {args.rows} rows in the table, found {got['rows']}", file=sys.stderr)
                        return 1
                    if name not in best or got["seconds"] < best[name]["seconds"]:
                        best[name] = got
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(f"DROP DATABASE IF EXISTS {BENCH_DB}", server)

    base, imp = best["baseline"], best["import"]
    ratio = imp["seconds"] / base["seconds"]
    peak = max(base["maxrss_mb"], imp["maxrss_mb"])
    print(
        f"baseline (openpyxl read-only + bulk_create, no checks): {base['seconds']:.2f} s, peak {base['maxrss_mb']:.0f} MB"
    )
    print(
        f"import   (run_import + TeacherImporter):                {imp['seconds']:.2f} s, peak {imp['maxrss_mb']:.0f} MB"
    )
    print(
        f"ratio import/baseline: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x) {'OK' if ratio <= TARGET_RATIO else 'MISSED'}"
    )
    print(
        f"peak memory of the import: {imp['maxrss_mb']:.0f} MB (target < {TARGET_MB} MB) {'OK' if imp['maxrss_mb'] < TARGET_MB else 'MISSED'}"
    )
    if args.profile:
        print(f"cProfile of the import written to {args.profile}")
    return 0 if ratio <= TARGET_RATIO and peak < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
