"""Benchmark: import 2,000 sub-projects and 300,000 enrolments into PostgreSQL.

Each import is timed next to a baseline measured in the same run on the same file: openpyxl
read-only read plus a plain `bulk_create` of the same rows (no validation, no notices), inside a
transaction that is rolled back. Target: each import at most 2x its baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peixun_programs_bench .venv/bin/python bench/import_enrolments.py

The database named in DATABASE_URL is dropped and recreated. Options: --subprojects, --enrolments,
--teachers (defaults 2000, 300000, 50000).
"""

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.pop("CELERY_BROKER_URL", None)  # notices are e-mailed in-process, as without a broker
os.environ.setdefault("LOG_LEVEL", "WARNING")

PROGRAM_HEADER = ["年度", "级别", "类别", "项目名称", "子项目名称", "子项目类型", "承办机构", "形式",
                  "开始日期", "结束日期", "学时", "学分类别", "名额", "县区"]  # fmt: skip
ENROLMENT_HEADER = ["年度", "项目名称", "子项目名称", "身份证号", "姓名", "状态"]
SUBS_PER_PROGRAM = 20
FIRST_DAY = dt.date(2021, 1, 1)


def recreate_database(url: str) -> None:
    import psycopg2

    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sub_dates(index: int) -> tuple[dt.date, dt.date]:
    # One day each, all different: a valid file has no face-to-face overlap for any teacher.
    day = FIRST_DAY + dt.timedelta(days=index)
    return day, day


def program_rows(n_subs: int):
    for i in range(n_subs):
        start, end = sub_dates(i)
        yield [start.year, "县级", "示范性项目", f"基准项目{i // SUBS_PER_PROGRAM:04d}", f"基准子项目{i:05d}",
               "短期集中培训", "某师范大学", "集中", start, end, 6, "集中培训", 400, "基准县"]  # fmt: skip


def write_xlsx(path: Path, header: list[str], rows) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


def seed_registry(n_teachers: int):
    from programs.models import Category
    from trainees.idcard import check_digit
    from trainees.models import School, Teacher
    from trainees.services import region_ensure_path

    county, _ = region_ensure_path(province="基准省", city="基准市", county="基准县")
    schools = School.objects.bulk_create(
        School(code=f"B{i:04d}", name=f"基准学校{i}", county=county, kind="central", area="rural") for i in range(45)
    )
    teachers = []
    for i in range(n_teachers):
        first17 = f"32{i // 1000:04d}19850615{i % 1000:03d}"
        teachers.append(
            Teacher(
                name=f"教师{i}",
                id_number=first17 + check_digit(first17),
                gender="M",
                birth_date=dt.date(1985, 6, 15),
                school=schools[i % len(schools)],
            )  # fmt: skip
        )
    Teacher.objects.bulk_create(teachers, batch_size=5000)
    Category.objects.create(name="示范性项目")
    return county


def enrolment_rows(n_subs: int, n_enrolments: int, n_teachers: int):
    from trainees.idcard import check_digit

    numbers = []
    for i in range(n_teachers):
        first17 = f"32{i // 1000:04d}19850615{i % 1000:03d}"
        numbers.append((first17 + check_digit(first17), f"教师{i}"))
    per_sub = n_enrolments // n_subs
    for s in range(n_subs):
        year = sub_dates(s)[0].year
        for k in range(per_sub):
            number, name = numbers[(s * per_sub + k) % n_teachers]
            yield [year, f"基准项目{s // SUBS_PER_PROGRAM:04d}", f"基准子项目{s:05d}", number, name, "已确认"]


class Rollback(Exception):
    pass


def baseline_programs(path: Path, county) -> float:
    from django.db import transaction
    from openpyxl import load_workbook

    from programs.models import Category, Program, SubProject

    start = time.perf_counter()
    try:
        with transaction.atomic():
            wb = load_workbook(path, read_only=True)
            rows = list(wb.worksheets[0].iter_rows(min_row=2, values_only=True))
            wb.close()
            category = Category.objects.get(name="示范性项目")
            programs = {}
            for r in rows:
                programs.setdefault(
                    (r[0], r[3]), Program(county=county, year=r[0], level="county", category=category, name=r[3])
                )
            Program.objects.bulk_create(programs.values(), batch_size=2000)
            SubProject.objects.bulk_create(
                (SubProject(program=programs[(r[0], r[3])], name=r[4], kind="short", institution=r[6],
                            modality="centralized", start_date=r[8], end_date=r[9], hours=r[10],
                            credit_category="centralized", quota=r[12]) for r in rows),
                batch_size=2000,
            )  # fmt: skip
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed


def baseline_enrolments(path: Path) -> float:
    from django.db import transaction
    from openpyxl import load_workbook

    from programs.models import Enrolment, SubProject
    from trainees.models import Teacher

    start = time.perf_counter()
    try:
        with transaction.atomic():
            subs = {
                (s.program.year, s.program.name, s.name): s.pk for s in SubProject.objects.select_related("program")
            }
            teachers = {
                n: (pk, school) for pk, n, school in Teacher.objects.values_list("pk", "id_number", "school_id")
            }
            wb = load_workbook(path, read_only=True)
            objs = []
            for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True):
                teacher_id, school_id = teachers[r[3]]
                objs.append(Enrolment(subproject_id=subs[(r[0], r[1], r[2])], teacher_id=teacher_id,
                                      school_id=school_id, status="confirmed"))  # fmt: skip
            wb.close()
            Enrolment.objects.bulk_create(objs, batch_size=2000)
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed


def timed_import(importer, path: Path):
    from core.importing import run_import

    start = time.perf_counter()
    with path.open("rb") as stream:
        result = run_import(importer, stream)
    elapsed = time.perf_counter() - start
    if result.errors:
        raise SystemExit(f"import failed: {[str(e) for e in result.errors[:5]]}")
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subprojects", type=int, default=2000)
    parser.add_argument("--enrolments", type=int, default=300_000)
    parser.add_argument("--teachers", type=int, default=50_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (it is dropped and recreated)")
    os.environ["IMPORT_MAX_BYTES"] = str(200 * 1024 * 1024)
    recreate_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)

    from programs.importers import EnrolmentImporter, ProgramImporter
    from programs.models import Enrolment, Notice, SubProject

    county = seed_registry(args.teachers)
    with tempfile.TemporaryDirectory() as tmp:
        programs_file = Path(tmp) / "programs.xlsx"
        enrolments_file = Path(tmp) / "enrolments.xlsx"
        t = time.perf_counter()
        write_xlsx(programs_file, PROGRAM_HEADER, program_rows(args.subprojects))
        write_xlsx(enrolments_file, ENROLMENT_HEADER, enrolment_rows(args.subprojects, args.enrolments, args.teachers))
        print(f"files written in {time.perf_counter() - t:.1f} s "
              f"({enrolments_file.stat().st_size / 1e6:.1f} MB enrolment file)")  # fmt: skip

        base_p = baseline_programs(programs_file, county)
        imp_p, res_p = timed_import(ProgramImporter(), programs_file)
        assert SubProject.objects.count() == args.subprojects
        base_e = baseline_enrolments(enrolments_file)
        imp_e, res_e = timed_import(EnrolmentImporter(), enrolments_file)
        assert Enrolment.objects.count() == res_e.created
        notices = Notice.objects.count()
        events = Enrolment.events.rel.related_model.objects.count()

    print(f"sub-projects: {res_p.created:>7,} rows  import {imp_p:6.2f} s  baseline {base_p:6.2f} s  "
          f"ratio {imp_p / base_p:.2f}x")  # fmt: skip
    print(f"enrolments:   {res_e.created:>7,} rows  import {imp_e:6.2f} s  baseline {base_e:6.2f} s  "
          f"ratio {imp_e / base_e:.2f}x")  # fmt: skip
    print(f"notices stored: {notices:,}; history events: {events:,}; peak memory {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
