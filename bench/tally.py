"""Benchmark the credit tally against a plain SQL GROUP BY over the same attendance rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peixun_bench .venv/bin/python bench/tally.py

Builds (once; reused when already there) 50,000 teachers, 300,000 enrolments and 2,000,000 attendance
rows with generate_series, then times, for one year: the baseline GROUP BY, the tally's first run (writes
every row) and its second run (same table, nothing to write), in both credit modes. Target: ≤ 3×.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

TEACHERS = 50_000
SCHOOLS = 500
SUBPROJECTS = 1_000  # 100 programs × 10
SESSIONS_PER_SUBPROJECT = 8
ENROLMENTS = 300_000
ATTENDANCE = 2_000_000
YEAR = 2026

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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def build() -> int:
    """Create the data set with set-based SQL; return the county id."""
    if scalar("SELECT count(*) FROM attendance_attendancerecord") == ATTENDANCE:
        return scalar("SELECT id FROM trainees_region WHERE name = '基准县'")
    print("generating data…", flush=True)
    started = time.perf_counter()
    run(
        "TRUNCATE attendance_attendancerecord, programs_enrolment, programs_session, programs_subproject, "
        "programs_program, programs_category, assessment_credittally, trainees_teacher, trainees_school, "
        "trainees_region RESTART IDENTITY CASCADE"
    )
    run("INSERT INTO trainees_region (name, level, code) VALUES ('基准省', 'province', '')")
    run("INSERT INTO trainees_region (name, level, code, parent_id) VALUES ('基准市', 'city', '', 1)")
    run("INSERT INTO trainees_region (name, level, code, parent_id) VALUES ('基准县', 'county', '', 2)")
    run(
        "INSERT INTO trainees_school (code, name, kind, area, county_id) "
        "SELECT 'B' || g, '基准学校' || g, 'central', 'rural', 3 FROM generate_series(1, %s) g",
        [SCHOOLS],
    )
    run(
        "INSERT INTO trainees_teacher (name, id_number, gender, birth_date, phone, stage, subject, title, post, "
        "is_rural, is_special_post, education, created_at, updated_at, school_id) "
        "SELECT '教师' || g, '1' || lpad(g::text, 16, '0') || '0', 'M', DATE '1985-01-01', '', '', '', '', 'teacher', "
        "false, false, '', now(), now(), 1 + (g %% %s) FROM generate_series(1, %s) g",
        [SCHOOLS, TEACHERS],
    )
    run("INSERT INTO programs_category (name, is_active, sort_order) VALUES ('基准类别', true, 1)")
    run(
        "INSERT INTO programs_program (year, level, name, issuer, status, created_at, category_id, county_id) "
        "SELECT %s, 'county', '基准项目' || g, '', 'finished', now(), 1, 3 FROM generate_series(1, %s) g",
        [YEAR, SUBPROJECTS // 10],
    )
    run(
        "INSERT INTO programs_subproject (name, kind, institution, modality, hours, credit_category, quota, program_id) "
        "SELECT '子项目' || g, 'other', '', 'centralized', 24, "
        "(ARRAY['centralized', 'online', 'school_based'])[1 + g %% 3], 500, 1 + (g - 1) / 10 "
        "FROM generate_series(1, %s) g",
        [SUBPROJECTS],
    )
    run(
        "INSERT INTO programs_session (title, date, start_time, end_time, place, hours, kind, subproject_id) "
        "SELECT '', DATE '2026-09-01' + k, '09:00', '12:00', '', 3, 'lecture', sp "
        "FROM generate_series(1, %s) sp, generate_series(0, %s) k",
        [SUBPROJECTS, SESSIONS_PER_SUBPROJECT - 1],
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
    return 3


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def timed_tally(tally, county, **kwargs) -> tuple[float, int]:
    started = time.perf_counter()
    outcome = tally(year=YEAR, county=county, **kwargs)
    return time.perf_counter() - started, outcome.written


def main() -> None:
    if not settings.USING_POSTGRES:
        sys.exit("bench/tally.py needs DATABASE_URL pointing at PostgreSQL")
    call_command("migrate", verbosity=0)
    county_id = build()

    from assessment.credits import tally_credits
    from assessment.models import CountyCreditSettings, CreditTally
    from trainees.models import Region

    county = Region.objects.get(pk=county_id)
    counts = [
        scalar(f"SELECT count(*) FROM {t}")
        for t in ("trainees_teacher", "programs_enrolment", "attendance_attendancerecord")
    ]
    print(f"teachers {counts[0]:,}  enrolments {counts[1]:,}  attendance rows {counts[2]:,}")
    timed(lambda: scalar(f"SELECT count(*) FROM ({BASELINE_SQL}) x", [YEAR]))  # warm the cache
    baseline = min(timed(lambda: scalar(f"SELECT count(*) FROM ({BASELINE_SQL}) x", [YEAR])) for _ in range(3))
    print(f"baseline GROUP BY over attendance: {baseline:.3f}s")
    for mode in (CountyCreditSettings.Mode.FULL, CountyCreditSettings.Mode.PROPORTIONAL):
        CountyCreditSettings.objects.update_or_create(county=county, defaults={"mode": mode})
        run("ANALYZE assessment_countycreditsettings")  # what autovacuum would do; the plan depends on it
        CreditTally.objects.all().delete()
        first, written_first = timed_tally(tally_credits, county)
        second, written_second = timed_tally(tally_credits, county)
        since = timezone.now()
        run("UPDATE programs_enrolment SET changed_at = now() WHERE id % 1000 = 0")  # 300 teachers changed
        third, written_third = timed_tally(tally_credits, county, changed_since=since)
        print(
            f"tally [{mode}] first run {first:.3f}s ({written_first:,} rows written, "
            f"{first / baseline:.2f}× baseline); second run {second:.3f}s "
            f"({written_second:,} written, {second / baseline:.2f}× baseline); changed-only run "
            f"{third:.3f}s ({written_third:,} written, {third / baseline:.2f}× baseline)"
        )


if __name__ == "__main__":
    main()
