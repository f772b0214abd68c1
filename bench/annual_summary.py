"""Benchmark: the annual summary export against a same-run plain-SQL baseline, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/annual_summary.py
        [--scales full,tenth] [--runs 1]

For each scale, in a scratch database of its own (bench/_scratch.py: made here, dropped at the end),
generates with set-based SQL (generate_series) a city of 10 counties: at full scale 500,000 teachers
in 5,000 schools, 10,000 sub-projects over 5 years, 3,000,000 enrolments, 80,000 sessions, 20,000,000
attendance rows, 2,500,000 credit tallies, outreach cycles and workshop online study (one tenth of
each at the tenth scale). Then times, each in a fresh process:

- city summary:    reports.services.export_run of a city-level job (the roll-up: a 县区 column or a
                   block per county, per-county subtotals, the city total; ORM aggregates, styled
                   write-only workbook, temp file and atomic rename, progress updates);
- city baseline:   hand-written GROUP BY queries returning the same figures, dumped with a plain
                   openpyxl write-only workbook;
- county summary / county baseline: the same for one county of the city (full scale only).

Prints the median wall time of each, the ratio (target ≤ 2×), each process's peak RSS (target
< 1 GB) and the full scale's peak against the tenth's (target ≤ 1.2×: memory does not grow with the
data).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _generate  # noqa: E402
from bench._generate import YEAR_FROM, YEAR_TO, Shape  # noqa: E402
from bench._scratch import maxrss_mb, scratch_database, setup_django  # noqa: E402

COUNTIES = 10
CITY = 2
FIRST_COUNTY = 3
N_YEARS, M_TIMES = 1, 5
SCALES = {"full": 1.0, "tenth": 0.1, "tiny": 0.05}  # tiny: a quick check of the script itself


def sizes(factor: float) -> dict[str, int]:
    """Per-county sizes; 100 teachers a school, 5 sub-projects a program, 300 places a sub-project."""
    teachers = int(50_000 * factor)
    return {
        "tc": teachers,  # teachers per county
        "sc": teachers // 100,  # schools per county
        "pc": int(200 * factor),  # programs per county (40 a year)
        "py": int(40 * factor),  # programs per county and year
        "spc": int(1_000 * factor),  # sub-projects per county
        "places": 300,
        "attended": int(2_500_000 * factor),  # enrolments with attendance rows (× 8 sessions)
    }


def shape(factor: float) -> Shape:
    """The city of 10 counties (bench/_generate.py builds it); the first enrolments have attendance."""
    z = sizes(factor)
    return Shape(
        counties=COUNTIES,
        cities=1,
        tc=z["tc"],
        sc=z["sc"],
        pc=z["pc"],
        py=z["py"],
        spc=z["spc"],
        places=z["places"],
        attended=f"e.id <= {z['attended']}",
    )


def generate_sql(factor: float) -> list[str]:
    return _generate.generate_sql(shape(factor))


def generate(factor: float) -> dict[str, int]:
    return _generate.generate(shape(factor))


# The baseline: the same figures with plain SQL, dumped with a plain write-only workbook. ------------

PARTICIPATING = "('confirmed', 'completed')"
ATTENDED = "('present', 'late', 'early')"
OWNED = f"p.county_id = ANY(%(counties)s) AND p.year BETWEEN {YEAR_FROM} AND {YEAR_TO}"
PLACES = f"""FROM programs_subproject sp JOIN programs_program p ON p.id = sp.program_id
    JOIN programs_category c ON c.id = p.category_id
    LEFT JOIN programs_enrolment e ON e.subproject_id = sp.id WHERE {OWNED}"""
COUNTS = f"""count(DISTINCT sp.id), count(e.id) FILTER (WHERE e.status IN {PARTICIPATING}),
    count(DISTINCT e.teacher_id) FILTER (WHERE e.status IN {PARTICIPATING})"""
IN_RANGE = f"s.county_id = ANY(%(counties)s) AND p.year BETWEEN {YEAR_FROM} AND {YEAR_TO}"


def _participation_sql(key: str) -> list[str]:
    return [
        f"SELECT {key}, count(*) FROM trainees_teacher t JOIN trainees_school s ON s.id = t.school_id "
        f"WHERE s.county_id = ANY(%(counties)s) GROUP BY 1",
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


TEACHER_TRAINING = f"""SELECT t.id, s.county_id, s.code, tw.name AS township, s.name AS school, t.name, t.id_number,
        t.stage, t.subject,
        max(p.year) FILTER (WHERE e.status IN {PARTICIPATING}) AS last_year,
        count(e.id) FILTER (WHERE e.status IN {PARTICIPATING}
                            AND p.year BETWEEN {YEAR_TO - N_YEARS + 1} AND {YEAR_TO}) AS recent,
        count(e.id) FILTER (WHERE e.status IN {PARTICIPATING} AND p.year BETWEEN {YEAR_FROM} AND {YEAR_TO}) AS times
    FROM trainees_teacher t JOIN trainees_school s ON s.id = t.school_id
    LEFT JOIN trainees_region tw ON tw.id = s.township_id
    LEFT JOIN programs_enrolment e ON e.teacher_id = t.id
    LEFT JOIN trainees_school es ON es.id = e.school_id AND es.county_id = ANY(%(counties)s)
    LEFT JOIN programs_subproject sp ON sp.id = e.subproject_id
    LEFT JOIN programs_program p ON p.id = sp.program_id
    WHERE s.county_id = ANY(%(counties)s) GROUP BY t.id, s.id, tw.name"""
TALLIES = f"""FROM assessment_credittally ct JOIN trainees_school s ON s.id = ct.school_id
    WHERE ct.county_id = ANY(%(counties)s) AND ct.year BETWEEN {YEAR_FROM} AND {YEAR_TO}"""
TALLY_COUNTS = (
    "count(*), count(*) FILTER (WHERE ct.met), coalesce(sum(ct.shortfall_hours) FILTER (WHERE NOT ct.met), 0)"
)

BASELINE_SHEETS = {
    "年度汇总": [
        f"SELECT p.county_id, p.year, p.level, c.name, {COUNTS} {PLACES} GROUP BY 1, 2, 3, 4, c.sort_order "
        "ORDER BY 1, 2, 3, c.sort_order, 4",
        f"SELECT p.county_id, p.year, {COUNTS} {PLACES} GROUP BY 1, 2 ORDER BY 1, 2",
        f"SELECT p.county_id, {COUNTS} {PLACES} GROUP BY 1 ORDER BY 1",
        f"SELECT p.year, p.level, c.name, {COUNTS} {PLACES} GROUP BY 1, 2, 3, c.sort_order ORDER BY 1, 2, c.sort_order",
        f"SELECT p.year, {COUNTS} {PLACES} GROUP BY 1 ORDER BY 1",
        f"SELECT 'total', {COUNTS} {PLACES}",
    ],
    "上报汇总": [
        f"SELECT p.county_id, p.year, c.name, count(DISTINCT sp.id), count(e.id) FILTER (WHERE e.status IN "
        f"{PARTICIPATING}) {PLACES} GROUP BY 1, 2, 3, c.sort_order ORDER BY 1, 2, c.sort_order",
        f"SELECT p.year, c.name, count(DISTINCT sp.id), count(e.id) FILTER (WHERE e.status IN {PARTICIPATING}) "
        f"{PLACES} GROUP BY 1, 2, c.sort_order ORDER BY 1, c.sort_order",
    ],
    "学校参训": [
        "SELECT s.id, s.code, s.name, s.area, tw.name, s.county_id FROM trainees_school s "
        "LEFT JOIN trainees_region tw ON tw.id = s.township_id WHERE s.county_id = ANY(%(counties)s) "
        "ORDER BY s.county_id, tw.name, s.code",
        *_participation_sql("s.id"),
        *_participation_sql("s.township_id"),
        *_participation_sql("s.county_id"),
        *_participation_sql("s.area"),
        *_participation_sql("1"),
    ],
    "培训覆盖": [
        f"SELECT county_id, count(*), count(*) FILTER (WHERE recent = 0), count(*) FILTER (WHERE times > {M_TIMES}) "
        f"FROM ({TEACHER_TRAINING}) x GROUP BY 1",
        f"SELECT 'total', count(*), count(*) FILTER (WHERE recent = 0), count(*) FILTER (WHERE times > {M_TIMES}) "
        f"FROM ({TEACHER_TRAINING}) x",
    ],
    "未参训教师名单": [f"SELECT * FROM ({TEACHER_TRAINING}) x WHERE recent = 0 ORDER BY county_id, code, name, id"],
    "多次参训教师名单": [
        f"SELECT * FROM ({TEACHER_TRAINING}) x WHERE times > {M_TIMES} ORDER BY times DESC, county_id, code, name, id"
    ],
    "学分达标": [
        f"SELECT ct.year, s.county_id, s.code, s.name, {TALLY_COUNTS} {TALLIES} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3",
        f"SELECT ct.year, ct.county_id, {TALLY_COUNTS} {TALLIES} GROUP BY 1, 2 ORDER BY 1, 2",
        f"SELECT ct.year, {TALLY_COUNTS} {TALLIES} GROUP BY 1 ORDER BY 1",
    ],
    "未达标教师名单": [
        f"""SELECT ct.year, ct.county_id, s.name, t.name, t.id_number, ct.total_hours, r.total_hours, ct.shortfall_hours
            FROM assessment_credittally ct JOIN trainees_school s ON s.id = ct.school_id
            JOIN trainees_teacher t ON t.id = ct.teacher_id
            LEFT JOIN assessment_creditrequirement r ON r.county_id = ct.county_id AND r.year = ct.year
            WHERE ct.county_id = ANY(%(counties)s) AND ct.year BETWEEN {YEAR_FROM} AND {YEAR_TO} AND NOT ct.met
            ORDER BY ct.year, ct.county_id, s.code, t.name, t.id"""
    ],
    "送教下乡": [
        f"""SELECT c.year, c.county_id, c.subject, c.stage, sp.name,
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
           WHERE c.county_id = ANY(%(counties)s) AND c.year BETWEEN {YEAR_FROM} AND {YEAR_TO}
           ORDER BY c.year, c.county_id, c.subject, c.id""",
        f"""SELECT count(DISTINCT se.host_school_id) FROM programs_session se JOIN outreach_cycle c
             ON c.subproject_id = se.subproject_id
           WHERE c.county_id = ANY(%(counties)s) AND c.year BETWEEN {YEAR_FROM} AND {YEAR_TO}""",
        f"""SELECT count(DISTINCT e.teacher_id) FROM programs_enrolment e JOIN outreach_cycle c
             ON c.subproject_id = e.subproject_id
           WHERE c.county_id = ANY(%(counties)s) AND c.year BETWEEN {YEAR_FROM} AND {YEAR_TO}
             AND e.status IN {PARTICIPATING}""",
    ],
    "工作坊": [
        f"""SELECT p.year, p.county_id, sp.name, sp.institution,
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
           WHERE {OWNED} AND sp.kind = 'workshop' ORDER BY p.year, p.county_id, sp.name, sp.id""",
        f"""SELECT count(DISTINCT e.teacher_id) FROM programs_enrolment e
           JOIN programs_subproject sp ON sp.id = e.subproject_id JOIN programs_program p ON p.id = sp.program_id
           WHERE {OWNED} AND sp.kind = 'workshop' AND e.status IN {PARTICIPATING}""",
    ],
}


def county_ids(unit: str) -> list[int]:
    return [FIRST_COUNTY] if unit == "county" else list(range(FIRST_COUNTY, FIRST_COUNTY + COUNTIES))


def run_baseline(unit: str, out: Path) -> int:
    from django.db import connection
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    rows_written = 0
    with connection.cursor() as cur:
        for title, queries in BASELINE_SHEETS.items():
            ws = wb.create_sheet(title)
            for sql in queries:
                cur.execute(sql, {"counties": county_ids(unit)})
                while batch := cur.fetchmany(2000):
                    for row in batch:
                        ws.append(list(row))
                        rows_written += 1
    wb.save(out)
    return rows_written


def run_summary(unit: str) -> int:
    from reports.models import ExportJob
    from reports.services import export_request_for_command, export_run
    from trainees.models import Region

    place = Region.objects.get(pk=FIRST_COUNTY if unit == "county" else CITY)
    job = export_request_for_command(
        county=place if unit == "county" else None,
        region=place if unit == "city" else None,
        year_from=YEAR_FROM,
        year_to=YEAR_TO,
        not_trained_years=N_YEARS,
        many_times=M_TIMES,
    )
    job = export_run(job_id=job.pk)
    assert job.status == ExportJob.Status.DONE, job.error
    return job.pk


def cross_check(unit: str) -> None:
    """The workbook's grand total equals the baseline's (same figures, two routes); then clean up."""
    from django.db import connection
    from openpyxl import load_workbook

    from reports.models import ExportJob

    job = ExportJob.objects.filter(status=ExportJob.Status.DONE).latest("pk")
    rows = load_workbook(job.file.path, read_only=True)["年度汇总"].iter_rows(values_only=True)
    total = next(r for r in rows if len(r) > 1 and (r[0] == "合计" or (r[0], r[1]) == ("基准市合计", "合计")))
    figures = tuple(total[3:6]) if unit == "county" else tuple(total[4:7])
    with connection.cursor() as cur:
        cur.execute(BASELINE_SHEETS["年度汇总"][-1], {"counties": county_ids(unit)})
        expected = cur.fetchone()[1:]
    assert figures == tuple(expected), (figures, expected)
    print(f"  cross-check ({unit}): 合计 {figures} equals the plain-SQL total")
    for old in ExportJob.objects.all():
        old.file.delete(save=False)
    ExportJob.objects.all().delete()


def child(args) -> None:
    with scratch_database("annual_summary", database=args.database) as url:
        setup_django(url)
        started = time.perf_counter()
        if args.phase == "generate":
            counts = generate(SCALES[args.scale])
            print(f"  generated in {time.perf_counter() - started:.0f} s: {counts}", flush=True)
            return
        if args.phase == "check":
            cross_check(args.unit)
            return
        if args.phase == "summary":
            run_summary(args.unit)
        else:
            run_baseline(args.unit, Path(tempfile.gettempdir()) / f"peixun-bench-baseline-{args.database}.xlsx")
        print(f"{time.perf_counter() - started:.3f} {maxrss_mb():.1f}")


def _child(*argv: str) -> str:
    result = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def measure(database: str, unit: str, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall time and peak RSS of each phase, alternating so both see the same cache state."""
    results: dict[str, list[tuple[float, float]]] = {"baseline": [], "summary": []}
    for _ in range(runs):
        for phase in ("baseline", "summary"):
            out = _child("--database", database, "--phase", phase, "--unit", unit).split()
            results[phase].append((float(out[-2]), float(out[-1])))
    return {p: (statistics.median(r[0] for r in rs), max(r[1] for r in rs)) for p, rs in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="full,tenth")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--phase", choices=["generate", "summary", "baseline", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--scale", default="full", help=argparse.SUPPRESS)
    parser.add_argument("--unit", default="city", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    from bench._scratch import scratch_name

    figures: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for scale in [s for s in args.scales.split(",") if s]:
        with scratch_database(f"annual_{scale}") as url:
            database = scratch_name(f"annual_{scale}")
            assert url.endswith(database)
            print(f"== {scale} scale ({SCALES[scale]:g}× of 500,000 teachers / 3,000,000 enrolments / 20,000,000 "
                  "attendance rows, 10 counties)", flush=True)  # fmt: skip
            print(_child("--database", database, "--phase", "generate", "--scale", scale), end="", flush=True)
            units = ("city", "county") if scale == "full" else ("city",)
            for unit in units:
                figures[(scale, unit)] = measure(database, unit, args.runs)
                base, summ = figures[(scale, unit)]["baseline"], figures[(scale, unit)]["summary"]
                print(f"  {unit:6} baseline (plain SQL GROUP BY + write-only dump) wall {base[0]:8.2f} s  "
                      f"peak RSS {base[1]:7.1f} MB", flush=True)  # fmt: skip
                print(f"  {unit:6} annual summary (export_run)                    wall {summ[0]:8.2f} s  "
                      f"peak RSS {summ[1]:7.1f} MB  ratio {summ[0] / base[0]:.2f}x (target <= 2x)", flush=True)  # fmt: skip
                print(_child("--database", database, "--phase", "check", "--unit", unit), end="", flush=True)
    if ("full", "city") in figures:
        peak = figures[("full", "city")]["summary"][1]
        print(f"city summary peak RSS {peak:.0f} MB (target < 1024 MB)")
        if ("tenth", "city") in figures:
            tenth = figures[("tenth", "city")]["summary"][1]
            print(f"peak at full scale / peak at one tenth: {peak / tenth:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
