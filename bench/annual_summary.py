"""Benchmark: the annual summary export against a same-run plain-SQL baseline, on PostgreSQL.

    .venv/bin/python bench/annual_summary.py [--db peixun_reports_bench] [--skip-generate] [--runs 3]

Generates (with set-based SQL) 50,000 teachers in 500 schools, 1,000 sub-projects over 5 years,
300,000 enrolments, 8,000 sessions, 2,000,000 attendance rows, 250,000 credit tallies, outreach cycles
and workshop online study; then times, each in a fresh process:

- summary:  reports.services.export_run (the Celery task's service: ORM aggregates, styled write-only
            workbook, temp file and atomic rename, progress updates);
- baseline: hand-written GROUP BY queries returning the same figures, dumped with a plain openpyxl
            write-only workbook.

Prints median wall time of each, the ratio (target ≤ 2×) and each process's peak RSS (target < 1 GB).
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR_FROM, YEAR_TO = 2022, 2026
COUNTY = "基准县"
N_YEARS, M_TIMES = 1, 5


def setup_django(db: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("PEIXUN_VAR_DIR", str(Path(tempfile.gettempdir()) / "peixun-reports-bench-var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


GENERATE = [
    "SET session_replication_role = replica",  # no triggers or FK checks while bulk loading
    """TRUNCATE attendance_attendancerecord, outreach_tasksubmission, outreach_onlinestudy, outreach_phasetask,
       outreach_phase, outreach_cycle, assessment_credittally, assessment_creditrequirement, reports_exportjob,
       programs_notice, programs_enrolment, programs_session, programs_schoolquota, programs_subproject,
       programs_program, programs_category, trainees_teachertransfer, trainees_teacher, accounts_user_groups,
       accounts_user_user_permissions, accounts_user, trainees_school, trainees_region RESTART IDENTITY CASCADE""",
    """INSERT INTO trainees_region (id, name, level, code, parent_id) VALUES
       (1, '基准省', 'province', '', NULL), (2, '基准市', 'city', '', 1), (3, '基准县', 'county', '', 2)""",
    """INSERT INTO trainees_region (id, name, level, code, parent_id)
       SELECT 3 + i, '基准镇' || i, 'township', '', 3 FROM generate_series(1, 30) i""",
    """INSERT INTO trainees_school (id, code, name, kind, area, county_id, township_id)
       SELECT i, 'B' || lpad(i::text, 5, '0'), '基准学校' || i, 'central',
              CASE WHEN i % 3 = 0 THEN 'urban' ELSE 'rural' END, 3, 4 + i % 30
       FROM generate_series(1, 500) i""",
    """INSERT INTO trainees_teacher (id, name, id_number, gender, birth_date, phone, stage, subject, title, post,
              is_rural, is_special_post, education, created_at, updated_at, school_id)
       SELECT i, '教师' || i, '32' || lpad(i::text, 16, '0'), 'F', DATE '1985-06-15', '', 'primary', '数学', '',
              'teacher', false, false, '', now(), now(), 1 + i % 500
       FROM generate_series(1, 50000) i""",
    """INSERT INTO programs_category (id, name, is_active, sort_order)
       SELECT i, '类别' || i, true, i * 10 FROM generate_series(1, 8) i""",
    """INSERT INTO programs_program (id, year, level, name, issuer, status, created_at, category_id, county_id)
       SELECT i, 2022 + (i - 1) / 40,
              (ARRAY['national','provincial','municipal','county','school'])[1 + i % 5],
              '基准项目' || i, '', 'finished', now(), 1 + i % 8, 3
       FROM generate_series(1, 200) i""",
    """INSERT INTO programs_subproject (id, name, kind, institution, modality, hours, credit_category, quota,
              program_id)
       SELECT i, '子项目' || i,
              CASE i % 20 WHEN 0 THEN 'outreach' WHEN 1 THEN 'workshop' ELSE 'short' END,
              '师范大学', 'centralized', 24, 'centralized', 300, 1 + (i - 1) / 5
       FROM generate_series(1, 1000) i""",
    """INSERT INTO programs_session (id, title, date, start_time, end_time, place, hours, kind, subproject_id,
              host_school_id)
       SELECT (sp - 1) * 8 + j, '活动' || j, make_date(p.year, j, 1), TIME '09:00', TIME '12:00', '', 3,
              CASE WHEN s.kind = 'outreach' THEN 'outreach_visit' ELSE 'lecture' END, sp,
              CASE WHEN s.kind = 'outreach' THEN 1 + (sp * 7 + j) % 500 END
       FROM generate_series(1, 1000) sp, generate_series(1, 8) j, programs_subproject s, programs_program p
       WHERE s.id = sp AND p.id = s.program_id""",
    # 300 distinct teachers per sub-project: for a fixed sub-project, 167·k mod 50,000 never repeats (k < 300).
    """INSERT INTO programs_enrolment (id, status, reason, created_at, changed_at, school_id, teacher_id,
              subproject_id)
       SELECT i + 1,
              CASE (i / 1000) % 20 WHEN 0 THEN 'withdrawn' WHEN 1 THEN 'nominated' WHEN 2 THEN 'substituted'
                   ELSE CASE WHEN (i / 1000) % 20 < 10 THEN 'completed' ELSE 'confirmed' END END,
              '', now(), now(), 1 + t % 500, t, 1 + i % 1000
       FROM (SELECT i, 1 + ((i % 1000) * 131 + (i / 1000) * 167) % 50000 AS t
             FROM generate_series(0, 299999) i) g""",
    """INSERT INTO attendance_attendancerecord (status, note, source, updated_at, enrolment_id, session_id)
       SELECT CASE (e.id + j) % 20 WHEN 0 THEN 'absent' WHEN 1 THEN 'absent' WHEN 2 THEN 'leave'
                   WHEN 3 THEN 'late' ELSE 'present' END,
              '', 'grid', now(), e.id, (e.subproject_id - 1) * 8 + j
       FROM programs_enrolment e, generate_series(1, 8) j WHERE e.id <= 250000""",
    """INSERT INTO outreach_cycle (id, year, subject, stage, created_at, county_id, subproject_id)
       SELECT s.id, p.year, '数学', '小学', now(), 3, s.id
       FROM programs_subproject s JOIN programs_program p ON p.id = s.program_id WHERE s.kind = 'outreach'""",
    """INSERT INTO outreach_phase ("order", name, cycle_id)
       SELECT o, (ARRAY['诊断示范','研课磨课','成果展示','总结提升'])[o], c.id
       FROM outreach_cycle c, generate_series(1, 4) o""",
    # Four two-day visits per cycle, one in each phase: the cycle's eight sessions are their days.
    """INSERT INTO outreach_visit (id, cycle_id, phase_id, number, title)
       SELECT c.id * 10 + ph."order", c.id, ph.id, ph."order", '送教' || ph."order"
       FROM outreach_cycle c JOIN outreach_phase ph ON ph.cycle_id = c.id""",
    """INSERT INTO outreach_visitday (visit_id, session_id)
       SELECT c.id * 10 + k, (c.subproject_id - 1) * 8 + 2 * k - 1 + d
       FROM outreach_cycle c, generate_series(1, 4) k, generate_series(0, 1) d""",
    """INSERT INTO outreach_phasetask (title, description, due_date, phase_id)
       SELECT '任务' || k, '', DATE '2026-10-01', ph.id FROM outreach_phase ph, generate_series(1, 2) k""",
    """INSERT INTO outreach_tasksubmission (text, status, comment, submitted_at, enrolment_id, task_id)
       SELECT '教学设计', CASE WHEN (e.id + t.id) % 3 = 0 THEN 'submitted' ELSE 'done' END, '', now(), e.id, t.id
       FROM outreach_cycle c JOIN outreach_phase ph ON ph.cycle_id = c.id AND ph."order" <= 2
            JOIN outreach_phasetask t ON t.phase_id = ph.id
            JOIN programs_enrolment e ON e.subproject_id = c.subproject_id
                                      AND e.status IN ('confirmed', 'completed')""",
    """INSERT INTO outreach_onlinestudy (online_hours, tasks_done, imported_at, enrolment_id)
       SELECT (e.id % 40) + 0.5, e.id % 5, now(), e.id
       FROM programs_enrolment e JOIN programs_subproject s ON s.id = e.subproject_id WHERE s.kind = 'workshop'""",
    """INSERT INTO assessment_creditrequirement (year, total_hours, min_centralized, min_online, min_school_based,
              cycle_total_hours, county_id)
       SELECT y, 72, 0, 0, 0, 360, 3 FROM generate_series(2022, 2026) y""",
    """INSERT INTO assessment_credittally (year, centralized_hours, online_hours, school_based_hours, total_hours,
              credits, met, shortfall_hours, computed_at, county_id, school_id, teacher_id)
       SELECT y, h, 0, 0, h, h / 10.0, h >= 72, greatest(72 - h, 0), now(), 3, t.school_id, t.id
       FROM trainees_teacher t, generate_series(2022, 2026) y, LATERAL (SELECT (t.id * 13 + y) % 120 AS h) x""",
    "SET session_replication_role = DEFAULT",
]
SEQUENCES = [
    "trainees_region",
    "trainees_school",
    "trainees_teacher",
    "programs_category",
    "programs_program",
    "programs_subproject",
    "programs_session",
    "programs_enrolment",
    "outreach_cycle",
    "outreach_visit",
]


# Filler defaults for required columns the INSERTs above do not name (columns other branches add):
# set for the load only, then dropped, so the generator keeps working as the models grow.
FILLERS = {
    "timestamp with time zone": "now()",
    "date": "CURRENT_DATE",
    "boolean": "false",
    "character varying": "''",
    "text": "''",
    "smallint": "0",
    "integer": "0",
    "bigint": "0",
    "numeric": "0",
    "jsonb": "'{}'::jsonb",
}


def _filler_defaults(cur) -> list[tuple[str, str]]:
    tables = sorted(set(re.findall(r"INSERT INTO (\w+)", " ".join(GENERATE))))
    cur.execute(
        """SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = ANY(%s) AND is_nullable = 'NO'
             AND column_default IS NULL AND is_identity = 'NO' AND column_name <> 'id'""",
        [tables],
    )
    filled = []
    for table, column, data_type in cur.fetchall():
        if data_type in FILLERS:
            cur.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {FILLERS[data_type]}')
            filled.append((table, column))
    return filled


def generate() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cur:
        filled = _filler_defaults(cur)
        for sql in GENERATE:
            cur.execute(sql)
        for table, column in filled:
            cur.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        for table in SEQUENCES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")
        counts = {}
        for table in ("trainees_teacher", "programs_enrolment", "attendance_attendancerecord"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    from accounts.models import Role, User

    User.objects.create_user(username="bench_admin", password="x", role=Role.ADMIN, county_id=3)
    print(f"generated in {time.perf_counter() - started:.1f}s: {counts}")


# The baseline: the same figures with plain SQL, dumped with a plain write-only workbook. ------------

PARTICIPATING = "('confirmed', 'completed')"
ATTENDED = "('present', 'late', 'early')"
IN_RANGE = f"p.county_id = %(county)s AND p.year BETWEEN {YEAR_FROM} AND {YEAR_TO}"
LEVEL_RANK = (
    "CASE p.level WHEN 'national' THEN 0 WHEN 'provincial' THEN 1 WHEN 'municipal' THEN 2 "
    "WHEN 'county' THEN 3 ELSE 4 END"
)
SUMMARY_SELECT = f"""count(DISTINCT sp.id), count(e.id) FILTER (WHERE e.status IN {PARTICIPATING}),
    count(DISTINCT e.teacher_id) FILTER (WHERE e.status IN {PARTICIPATING})
    FROM programs_subproject sp JOIN programs_program p ON p.id = sp.program_id
    JOIN programs_category c ON c.id = p.category_id
    LEFT JOIN programs_enrolment e ON e.subproject_id = sp.id WHERE {IN_RANGE}"""


def _participation_sql(key: str) -> list[str]:
    return [
        f"SELECT {key}, count(*) FROM trainees_teacher t JOIN trainees_school s ON s.id = t.school_id "
        f"WHERE s.county_id = %(county)s GROUP BY 1",
        f"SELECT {key}, count(DISTINCT e.teacher_id), count(*) FROM programs_enrolment e "
        f"JOIN trainees_school s ON s.id = e.school_id JOIN programs_subproject sp ON sp.id = e.subproject_id "
        f"JOIN programs_program p ON p.id = sp.program_id WHERE {IN_RANGE} AND e.status IN {PARTICIPATING} "
        f"GROUP BY 1",
        f"SELECT {key}, sum(se.hours) FROM attendance_attendancerecord a "
        f"JOIN programs_enrolment e ON e.id = a.enrolment_id JOIN trainees_school s ON s.id = e.school_id "
        f"JOIN programs_session se ON se.id = a.session_id JOIN programs_subproject sp ON sp.id = e.subproject_id "
        f"JOIN programs_program p ON p.id = sp.program_id WHERE {IN_RANGE} AND e.status IN {PARTICIPATING} "
        f"AND a.status IN {ATTENDED} GROUP BY 1",
    ]


BASELINE_SHEETS = {
    "年度汇总": [
        f"SELECT p.year, p.level, c.name, {SUMMARY_SELECT} GROUP BY p.year, p.level, c.name, c.sort_order "
        f"ORDER BY p.year, {LEVEL_RANK}, c.sort_order, c.name",
        f"SELECT p.year, {SUMMARY_SELECT} GROUP BY p.year ORDER BY p.year",
        f"SELECT 'total', {SUMMARY_SELECT}",
    ],
    "学校参训": [
        "SELECT s.id, s.code, s.name, s.area, tw.name FROM trainees_school s "
        "LEFT JOIN trainees_region tw ON tw.id = s.township_id WHERE s.county_id = %(county)s ORDER BY tw.name, s.code",
        *_participation_sql("s.id"),
        *_participation_sql("s.township_id"),
        *_participation_sql("s.area"),
        *_participation_sql("1"),
    ],
    "培训覆盖": [
        f"""SELECT tw.name, s.name, t.name, t.id_number, t.stage, t.subject,
               max(p.year) FILTER (WHERE e.status IN {PARTICIPATING}) AS last_year,
               count(e.id) FILTER (WHERE e.status IN {PARTICIPATING}
                                   AND p.year BETWEEN {YEAR_TO - N_YEARS + 1} AND {YEAR_TO}) AS recent,
               count(e.id) FILTER (WHERE e.status IN {PARTICIPATING}
                                   AND p.year BETWEEN {YEAR_FROM} AND {YEAR_TO}) AS times
           FROM trainees_teacher t JOIN trainees_school s ON s.id = t.school_id
           LEFT JOIN trainees_region tw ON tw.id = s.township_id
           LEFT JOIN programs_enrolment e ON e.teacher_id = t.id
           LEFT JOIN programs_subproject sp ON sp.id = e.subproject_id
           LEFT JOIN programs_program p ON p.id = sp.program_id AND p.county_id = %(county)s
           WHERE s.county_id = %(county)s GROUP BY t.id, s.id, tw.name ORDER BY s.code, t.name, t.id""",
    ],
    "学分达标": [
        f"""SELECT ct.year, s.code, s.name, count(*), count(*) FILTER (WHERE ct.met),
               coalesce(sum(ct.shortfall_hours) FILTER (WHERE NOT ct.met), 0)
           FROM assessment_credittally ct JOIN trainees_school s ON s.id = ct.school_id
           WHERE ct.county_id = %(county)s AND ct.year BETWEEN {YEAR_FROM} AND {YEAR_TO}
           GROUP BY ct.year, s.code, s.name ORDER BY ct.year, s.code""",
        f"""SELECT ct.year, s.name, t.name, t.id_number, ct.total_hours, r.total_hours, ct.shortfall_hours
           FROM assessment_credittally ct JOIN trainees_school s ON s.id = ct.school_id
           JOIN trainees_teacher t ON t.id = ct.teacher_id
           LEFT JOIN assessment_creditrequirement r ON r.county_id = ct.county_id AND r.year = ct.year
           WHERE ct.county_id = %(county)s AND ct.year BETWEEN {YEAR_FROM} AND {YEAR_TO} AND NOT ct.met
           ORDER BY ct.year, s.code, t.name, t.id""",
    ],
    "送教下乡": [
        f"""SELECT c.year, c.subject, c.stage, sp.name,
               (SELECT count(*) FROM programs_session se WHERE se.subproject_id = c.subproject_id),
               (SELECT count(DISTINCT se.host_school_id) FROM programs_session se
                 WHERE se.subproject_id = c.subproject_id),
               (SELECT count(*) FROM programs_enrolment e WHERE e.subproject_id = c.subproject_id
                 AND e.status IN {PARTICIPATING}),
               (SELECT count(*) FROM attendance_attendancerecord a JOIN programs_session se ON se.id = a.session_id
                 JOIN programs_enrolment e ON e.id = a.enrolment_id WHERE se.subproject_id = c.subproject_id
                 AND a.status IN {ATTENDED} AND e.status IN {PARTICIPATING}),
               (SELECT count(*) FROM outreach_phasetask t JOIN outreach_phase ph ON ph.id = t.phase_id
                 WHERE ph.cycle_id = c.id),
               (SELECT count(*) FROM outreach_tasksubmission ts JOIN outreach_phasetask t ON t.id = ts.task_id
                 JOIN outreach_phase ph ON ph.id = t.phase_id WHERE ph.cycle_id = c.id),
               (SELECT count(*) FROM outreach_tasksubmission ts JOIN outreach_phasetask t ON t.id = ts.task_id
                 JOIN outreach_phase ph ON ph.id = t.phase_id WHERE ph.cycle_id = c.id AND ts.status = 'done')
           FROM outreach_cycle c JOIN programs_subproject sp ON sp.id = c.subproject_id
           WHERE c.county_id = %(county)s AND c.year BETWEEN {YEAR_FROM} AND {YEAR_TO}
           ORDER BY c.year, c.subject, c.id""",
        f"""SELECT count(DISTINCT se.host_school_id) FROM programs_session se JOIN outreach_cycle c
             ON c.subproject_id = se.subproject_id
           WHERE c.county_id = %(county)s AND c.year BETWEEN {YEAR_FROM} AND {YEAR_TO}""",
        f"""SELECT count(DISTINCT e.teacher_id) FROM programs_enrolment e JOIN outreach_cycle c
             ON c.subproject_id = e.subproject_id
           WHERE c.county_id = %(county)s AND c.year BETWEEN {YEAR_FROM} AND {YEAR_TO}
             AND e.status IN {PARTICIPATING}""",
    ],
    "工作坊": [
        f"""SELECT p.year, sp.name, sp.institution,
               (SELECT count(*) FROM programs_enrolment e WHERE e.subproject_id = sp.id
                 AND e.status IN {PARTICIPATING}),
               (SELECT count(*) FROM programs_session se WHERE se.subproject_id = sp.id),
               (SELECT count(*) FROM attendance_attendancerecord a JOIN programs_session se ON se.id = a.session_id
                 JOIN programs_enrolment e ON e.id = a.enrolment_id WHERE se.subproject_id = sp.id
                 AND a.status IN {ATTENDED} AND e.status IN {PARTICIPATING}),
               (SELECT coalesce(sum(o.online_hours), 0) FROM outreach_onlinestudy o
                 JOIN programs_enrolment e ON e.id = o.enrolment_id WHERE e.subproject_id = sp.id
                 AND e.status IN {PARTICIPATING}),
               (SELECT coalesce(sum(o.tasks_done), 0) FROM outreach_onlinestudy o
                 JOIN programs_enrolment e ON e.id = o.enrolment_id WHERE e.subproject_id = sp.id
                 AND e.status IN {PARTICIPATING})
           FROM programs_subproject sp JOIN programs_program p ON p.id = sp.program_id
           WHERE {IN_RANGE} AND sp.kind = 'workshop' ORDER BY p.year, sp.name, sp.id""",
        f"""SELECT count(DISTINCT e.teacher_id) FROM programs_enrolment e
           JOIN programs_subproject sp ON sp.id = e.subproject_id JOIN programs_program p ON p.id = sp.program_id
           WHERE {IN_RANGE} AND sp.kind = 'workshop' AND e.status IN {PARTICIPATING}""",
    ],
}


def run_baseline(out: Path) -> int:
    from django.db import connection
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    rows_written = 0
    with connection.cursor() as cur:
        for title, queries in BASELINE_SHEETS.items():
            ws = wb.create_sheet(title)
            for sql in queries:
                cur.execute(sql, {"county": 3})
                for row in cur.fetchall():
                    if title == "培训覆盖" and not (row[7] == 0 or row[8] > M_TIMES):
                        continue  # the sheet lists only the untrained and the often trained
                    ws.append(list(row))
                    rows_written += 1
    wb.save(out)
    return rows_written


def run_summary() -> int:
    from reports.models import ExportJob
    from reports.services import export_request_for_command, export_run
    from trainees.models import Region

    job = export_request_for_command(
        county=Region.objects.get(pk=3),
        year_from=YEAR_FROM,
        year_to=YEAR_TO,
        not_trained_years=N_YEARS,
        many_times=M_TIMES,
    )
    job = export_run(job_id=job.pk)
    assert job.status == ExportJob.Status.DONE, job.error
    return job.pk


def cross_check(db: str) -> None:
    """The workbook's 合计 row must equal the baseline's grand total (same figures, two routes)."""
    setup_django(db)
    from django.db import connection
    from openpyxl import load_workbook

    from reports.models import ExportJob

    job = ExportJob.objects.filter(status=ExportJob.Status.DONE).latest("pk")
    rows = load_workbook(job.file.path, read_only=True)["年度汇总"].iter_rows(values_only=True)
    total = next(r for r in rows if r and r[0] == "合计")
    with connection.cursor() as cur:
        cur.execute(BASELINE_SHEETS["年度汇总"][2], {"county": 3})
        expected = cur.fetchone()[1:]
    assert tuple(total[3:6]) == tuple(expected), (total, expected)
    print(f"cross-check: 合计 row {tuple(total[3:6])} equals the plain-SQL total")
    for old in ExportJob.objects.all():
        old.file.delete(save=False)
    ExportJob.objects.all().delete()


def child(phase: str, db: str) -> None:
    setup_django(db)
    started = time.perf_counter()
    if phase == "summary":
        run_summary()
    else:
        run_baseline(Path(tempfile.gettempdir()) / "peixun-reports-bench-baseline.xlsx")
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{elapsed:.3f} {usage.ru_utime + usage.ru_stime:.3f} {usage.ru_maxrss / 1024:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="peixun_reports_bench")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--phase", choices=["summary", "baseline", "check"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "check":
        cross_check(args.db)
        return
    if args.phase:
        child(args.phase, args.db)
        return
    if not args.skip_generate:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {args.db}"],
            check=False,
            capture_output=True,
        )
        setup_django(args.db)
        generate()
    results: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "summary": []}
    for _ in range(args.runs):
        for phase in ("baseline", "summary"):  # alternate so both see the same cache state
            out = subprocess.run(
                [sys.executable, __file__, "--db", args.db, "--phase", phase],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            results[phase].append((float(out[-3]), float(out[-2]), float(out[-1])))
    print(f"runs: {args.runs} each, alternating; medians of wall time and of the Python process's CPU time")
    medians = {}
    labels = {
        "baseline": "baseline (plain SQL GROUP BY + write-only dump)",
        "summary": "annual summary (export_run)",
    }
    for phase, label in labels.items():
        wall = statistics.median(r[0] for r in results[phase])
        cpu = statistics.median(r[1] for r in results[phase])
        peak = max(r[2] for r in results[phase])
        medians[phase] = wall
        print(f"{label:48} wall {wall:7.2f} s  cpu {cpu:7.2f} s  peak RSS {peak:7.1f} MB")
    subprocess.run([sys.executable, __file__, "--db", args.db, "--phase", "check"], check=True)
    ratio = medians["summary"] / medians["baseline"]
    print(f"ratio (wall): {ratio:.2f}x (target <= 2x); peak memory target < 1024 MB")


if __name__ == "__main__":
    main()
