"""Benchmark the credit tally (a full rebuild of the year's ledger, then the tally as a GROUP BY over it)
against a plain SQL GROUP BY over the same attendance rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/tally.py [--scale full]

In a scratch database of its own (bench/_scratch.py: made here, dropped at the end) it builds, with
generate_series, the full scale's 50,000 teachers, 300,000 enrolments and 2,000,000 attendance rows (or a
tenth of that, the default, for `make bench`; `tiny` checks the script), then times for one year: the
baseline GROUP BY, the rebuild's first run (writes every ledger and tally row), its second run (nothing
to write; after the VACUUM autovacuum would have done by the next night), a changed-only run, and the
tally step alone against a GROUP BY of the same ledger rows, in both credit modes. Target: ≤ 3×.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._scratch import migrate, scratch_database, setup_django  # noqa: E402

SCALES = {"full": 1.0, "tenth": 0.1, "tiny": 0.01}
FULL = {"teachers": 50_000, "schools": 500, "subprojects": 1_000, "enrolments": 300_000, "attendance": 2_000_000}
SESSIONS_PER_SUBPROJECT = 8
YEAR = 2026
TEACHERS = SCHOOLS = SUBPROJECTS = ENROLMENTS = ATTENDANCE = 0


def set_scale(factor: float) -> None:
    global TEACHERS, SCHOOLS, SUBPROJECTS, ENROLMENTS, ATTENDANCE
    TEACHERS = max(100, int(FULL["teachers"] * factor))
    SCHOOLS = max(10, int(FULL["schools"] * factor))
    SUBPROJECTS = max(20, int(FULL["subprojects"] * factor) // 10 * 10)
    ENROLMENTS = TEACHERS * 6
    ATTENDANCE = int(FULL["attendance"] * factor)


BASELINE_SQL = """
SELECT e.teacher_id, sp.credit_category, SUM(s.hours)
FROM attendance_attendancerecord a
JOIN programs_enrolment e ON e.id = a.enrolment_id
JOIN programs_session s ON s.id = a.session_id
JOIN programs_subproject sp ON sp.id = e.subproject_id
JOIN programs_program p ON p.id = sp.program_id
WHERE a.status IN ('present', 'late', 'early') AND p.year = %s
GROUP BY e.teacher_id, sp.credit_category
"""


def run(sql: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def build() -> int:
    """Create the data set with set-based SQL; return the county id."""
    print("generating data…", flush=True)
    started = time.perf_counter()
    # Registry and programs through the ORM (every column gets its model default; ids run from 1 in
    # the fresh scratch database), the big tables with generate_series below.
    import datetime as dt
    from decimal import Decimal

    from programs.models import Category, Program, Session, SubProject
    from trainees.models import Region, School, Teacher

    province = Region.objects.create(name="基准省", level=Region.Level.PROVINCE)
    city = Region.objects.create(name="基准市", level=Region.Level.CITY, parent=province)
    county = Region.objects.create(name="基准县", level=Region.Level.COUNTY, parent=city)
    School.objects.bulk_create(
        School(code=f"B{g}", name=f"基准学校{g}", kind="central", area="rural", county=county)
        for g in range(1, SCHOOLS + 1)
    )
    school_ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
    Teacher.objects.bulk_create(
        (
            Teacher(
                name=f"教师{g}",
                id_number=f"1{g:016d}0",
                gender="M",
                birth_date=dt.date(1985, 1, 1),
                school_id=school_ids[g % SCHOOLS],
            )
            for g in range(1, TEACHERS + 1)
        ),
        batch_size=5000,
    )
    category = Category.objects.create(name="基准类别", sort_order=1)
    programs = Program.objects.bulk_create(
        Program(year=YEAR, level="county", name=f"基准项目{g}", status="finished", category=category, county=county)
        for g in range(1, SUBPROJECTS // 10 + 1)
    )
    subprojects = SubProject.objects.bulk_create(
        SubProject(
            name=f"子项目{g}",
            kind="other",
            modality="centralized",
            hours=Decimal(24),
            credit_category=("centralized", "online", "school_based")[g % 3],
            quota=500,
            program=programs[(g - 1) // 10],
        )
        for g in range(1, SUBPROJECTS + 1)
    )
    Session.objects.bulk_create(
        (
            Session(
                title="",
                date=dt.date(2026, 9, 1) + dt.timedelta(days=k),
                start_time=dt.time(9),
                end_time=dt.time(12),
                hours=Decimal(3),
                kind="lecture",
                subproject=sp,
            )
            for sp in subprojects
            for k in range(SESSIONS_PER_SUBPROJECT)
        ),
        batch_size=5000,
    )
    # Teacher t holds places in six distinct sub-projects (t*6 + k): no duplicate active place.
    run(
        "INSERT INTO programs_enrolment (status, reason, created_at, changed_at, school_id, teacher_id, subproject_id) "
        "SELECT CASE WHEN g %% 5 = 0 THEN 'confirmed' ELSE 'completed' END, '', now(), now(), "
        "1 + ((g %% %s) + 1) %% %s, 1 + g %% %s, 1 + ((g %% %s) * 6 + g / %s) %% %s "
        "FROM generate_series(0, %s) g",
        [TEACHERS, SCHOOLS, TEACHERS, TEACHERS, TEACHERS, SUBPROJECTS, ENROLMENTS - 1],
    )
    # Attendance: the first sessions of each enrolment's sub-project, about one absence in seven.
    per = -(-ATTENDANCE // ENROLMENTS)
    run(
        "INSERT INTO attendance_attendancerecord (status, note, source, updated_at, enrolment_id, session_id) "
        "SELECT CASE WHEN (e.id + k) %% 7 = 0 THEN 'absent' ELSE 'present' END, '', 'grid', now(), e.id, "
        "(e.subproject_id - 1) * %s + 1 + k "
        "FROM programs_enrolment e, generate_series(0, %s) k WHERE (e.id - 1) * %s + k < %s",
        [SESSIONS_PER_SUBPROJECT, per - 1, per, ATTENDANCE],
    )
    run("ANALYZE")
    print(f"data ready in {time.perf_counter() - started:.1f}s", flush=True)
    return county.pk


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def timed_tally(tally, county, **kwargs) -> tuple[float, int]:
    started = time.perf_counter()
    outcome = tally(year=YEAR, county=county, **kwargs)
    return time.perf_counter() - started, outcome.written + outcome.ledger_written


LEDGER_BASELINE_SQL = """
SELECT teacher_id, category_id, SUM(hours), SUM(credits) FROM assessment_creditentry
WHERE year = %s AND status = 'counted' GROUP BY teacher_id, category_id
"""


def best_of(fn, n: int = 3) -> float:
    fn()  # warm the cache
    return min(timed(fn) for _ in range(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="tenth")
    args = parser.parse_args()
    set_scale(SCALES[args.scale])
    with scratch_database("tally") as url:
        setup_django(url)
        migrate()
        measure()


def measure() -> None:
    from django.utils import timezone

    from assessment import credits
    from assessment.credits import tally_credits
    from assessment.models import CountyCreditSettings, CreditEntry, CreditTally
    from trainees.models import Region

    county = Region.objects.get(pk=build())
    counts = [
        scalar(f"SELECT count(*) FROM {t}")
        for t in ("trainees_teacher", "programs_enrolment", "attendance_attendancerecord")
    ]
    print(f"teachers {counts[0]:,}  enrolments {counts[1]:,}  attendance rows {counts[2]:,}")
    baseline = best_of(lambda: scalar(f"SELECT count(*) FROM ({BASELINE_SQL}) x", [YEAR]))
    print(f"baseline GROUP BY over attendance: {baseline:.3f}s")
    for mode in (CountyCreditSettings.Mode.FULL, CountyCreditSettings.Mode.PROPORTIONAL):
        CountyCreditSettings.objects.update_or_create(county=county, defaults={"mode": mode})
        run("ANALYZE assessment_countycreditsettings")  # what autovacuum would do; the plan depends on it
        CreditTally.objects.all().delete()
        CreditEntry.objects.all().delete()
        first = timed_tally(tally_credits, county)
        # What autovacuum does soon after a bulk write, long before the next night's run: statistics,
        # and the visibility map and hint bits (else the next run's first reads rewrite every page the
        # first one wrote, a cost of reading right after writing rather than of the rebuild). VACUUM
        # cannot run in a transaction: the scratch connection is in autocommit.
        run("VACUUM (ANALYZE) assessment_creditentry")
        run("VACUUM (ANALYZE) assessment_credittally")
        second = timed_tally(tally_credits, county)
        since = timezone.now()
        run("UPDATE programs_enrolment SET changed_at = now() WHERE id % 1000 = 0")  # 300 teachers changed
        third = timed_tally(tally_credits, county, changed_since=since)
        rows = CreditEntry.objects.count()
        ledger_baseline = best_of(lambda: scalar(f"SELECT count(*) FROM ({LEDGER_BASELINE_SQL}) x", [YEAR]))
        # The tally step alone (forced over every teacher: what a rebuild does after the ledger upsert).
        tally_only = min(
            timed(
                lambda: credits.tally_credits(year=YEAR, county=county, teacher_ids=range(1, counts[0] + 1), force=True)
            )
            for _ in range(2)
        )
        print(f"tally [{mode}] ledger rows {rows:,}")
        for label, (seconds, written) in (("first run", first), ("second run", second), ("changed-only", third)):
            print(f"  {label:13s} {seconds:7.3f}s  {written:>9,} rows written  {seconds / baseline:5.2f}× baseline")
        print(
            f"  tally step over the ledger {tally_only:.3f}s vs GROUP BY of the same ledger rows "
            f"{ledger_baseline:.3f}s; vs attendance baseline {tally_only / baseline:.2f}×"
        )


if __name__ == "__main__":
    main()
