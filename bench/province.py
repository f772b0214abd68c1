"""Benchmark: a province on this code, each measure beside a plain-SQL baseline of the same rows (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/province.py
        [--scale 0.02] [--runs 1] [--repeat 15] [--only tally,summary,search,grid]

`--scale 1` is the real province: 150 counties in 15 cities, 1,005,000 teachers in 10,050 schools,
18,750 sub-projects over 5 years, 6,018,750 enrolments, 150,000 sessions, 20,062,500 attendance rows,
5,025,000 credit tallies. Smaller scales keep the 150 counties and 15 cities and shrink what is inside
each county (teachers in hundreds, so a school keeps its 100): the default 0.02 (15,000 teachers) is what
`make bench` runs to check the script; 0.1 is 105,000 teachers, 630,000 enrolments, 2,100,000 attendance
rows. `--only search` generates the registry alone (regions, schools, teachers), so the search can be
measured at a million teachers in minutes. What it used on this 2-core machine (shared, load ~9):

    scale 0.02:                database 0.12 GB, generation 65 s (50 s of it migrations), whole run 5-11 min
    scale 0.1:                 database 0.78 GB, generation 170 s, whole run 20 min (10 of them the
                               province's annual summary and its baseline)
    scale 1 --only search:     database 0.40 GB (1,005,000 teachers), generation 190 s
    scale 1:                   database 6.64 GB after generation (263-297 s), 7.17 GB at the end;
                               `--only tally` 8 min in all, `--only tally,search,grid` 18 min; the
                               county's annual summary 6 s; the province's annual summary and its
                               baseline were not finished here (about 100 min from the 0.1 run)
    scale 1, 2026-12-04, quiet (load 0.8), with the ledger rows: database 7.84 GB after generation
                               (188 s), 8.33 GB at the end, whole run 1,132 s; the province's annual
                               summary 353.7 s against its baseline's 271.2 s (1.30x, peak 132 MB),
                               the county's 2.96 s against 2.62 s (1.13x)

The data is made in a scratch database of its own (bench/_scratch.py, dropped at the end) by the set-based
generator shared with annual_summary.py (bench/_generate.py), with realistic Chinese names (a surname
and one or two given characters) and phone numbers. Each measure runs in a fresh process (its own peak
RSS) and prints wall time, the baseline's, the ratio and peak RSS:

- credit tally of one county and of the province (every county), year 2026, both credit modes, first run
  (rows written) and second run (nothing to write), through `tally()` below, against one plain
  GROUP BY computing the same per-teacher hours (no write);
- annual summary (reports.services.export_run, as annual_summary.py) of one county and of the province,
  against annual_summary.py's plain GROUP BY queries dumped with a write-only workbook; the grand total
  is cross-checked between the two;
- teacher list search (the view's selector and paginator: count and first page) by a full name and by a
  2-character name, as a county's staff and as the province's office, and the exact lookup of a full
  身份证号, against the same rows in plain SQL; the name search is measured without the trigram indexes
  (trainees/migrations/0003_teacher_name_trgm) and again with them;
- attendance grid page of a full session (county staff, the page the browser gets) against the plain
  SELECT of attendance_grid.py.
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _generate  # noqa: E402
from bench._generate import YEAR_TO, Shape  # noqa: E402
from bench._scratch import maxrss_mb, scratch_database, scratch_name, setup_django  # noqa: E402

COUNTIES, CITIES = 150, 15
PROVINCE = 1
YEAR = YEAR_TO
TRGM_INDEXES = ("trainees_teacher_name_trgm", "trainees_teacher_phone_trgm")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
    "夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建文辉力永春志宇鹏飞婷雪琳晨浩然欣怡子轩梓涵佳俊宏德海波新"
)


def shape(scale: float) -> Shape:
    """150 counties; per county 6,700 teachers at scale 1, about 6 enrolments a teacher, 5/12 of the
    enrolments with their 8 attendance rows (20,000,000 at scale 1)."""
    tc = max(100, 100 * round(1_000_000 * scale / COUNTIES / 100))  # a multiple of 100: schools stay whole
    assert tc % 131, "131·k mod tc must not repeat"  # the generator's distinct-teacher step
    py = max(1, round(6 * tc / (25 * 300)))  # programs a year, 5 sub-projects each, about 300 places
    spc = 25 * py
    surnames, given = f"'{{{','.join(SURNAMES)}}}'::text[]", f"'{{{','.join(GIVEN)}}}'::text[]"
    ns, ng = len(SURNAMES), len(GIVEN)
    return Shape(
        counties=COUNTIES,
        cities=CITIES,
        tc=tc,
        sc=tc // 100,
        pc=5 * py,
        py=py,
        spc=spc,
        places=min(tc, 6 * tc // spc),
        attended="e.id % 12 < 5",
        status_block=10,  # every sub-project has its share of withdrawn and nominated places
        # 100 surnames × 57 × (57 + 1) given characters: a full 3-character name is shared by a few.
        teacher_name=f"({surnames})[1 + t % {ns}] || ({given})[1 + (t / {ns}) % {ng}] || "
        f"CASE WHEN (t / 7) % 4 = 0 THEN '' ELSE ({given})[1 + (t / {ns * ng}) % {ng}] END",
        teacher_phone="'1' || (ARRAY['3','5','8'])[1 + t % 3] || lpad(((t::bigint * 7919) % 1000000000)::text, 9, '0')",
    )


# The service calls, one small function each, so a change of API is one line here. ------------------


def tally(*, year: int, county):
    """The credit tally as on main (assessment.credits.tally_credits); returns rows written."""
    from assessment.credits import tally_credits

    return tally_credits(year=year, county=county).written


def search_by_name(*, user, q: str):
    """The teacher list's search box: the view's selector (filter) and paginator."""
    from django.conf import settings
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from trainees import selectors

    params = QueryDict(mutable=True)
    params["q"] = q
    _, qs = selectors.teacher_list(user=user, params=params)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(1)
    return page.paginator.count, [t.pk for t in page.object_list]


def lookup_by_id_number(*, user, id_number: str):
    """Exact full-ID lookup: the selector the hardening branch adds, or the same query until it lands."""
    from trainees import selectors

    if hasattr(selectors, "teacher_by_id_number"):
        qs = selectors.teacher_by_id_number(user=user, id_number=id_number)
    else:
        qs = selectors.teacher_queryset(user=user).select_related("school", "school__township")
        qs = qs.filter(id_number=id_number)
    return [t.pk for t in qs]


# Plain-SQL baselines. ---------------------------------------------------------------------------

ATTENDED = "('present', 'late', 'early')"

# Every teacher of the counties with their hours per category for the year, as the tally computes them
# (completed enrolments of the year; proportional: attended plus online hours, capped at the
# sub-project's), aggregated server side: the same reads, no write.
TALLY_BASELINE = f"""
WITH attended AS (
    SELECT a.enrolment_id, sum(se.hours) AS h FROM attendance_attendancerecord a
    JOIN programs_session se ON se.id = a.session_id JOIN programs_enrolment e ON e.id = a.enrolment_id
    JOIN programs_subproject sp ON sp.id = e.subproject_id JOIN programs_program p ON p.id = sp.program_id
    WHERE %(proportional)s AND a.status IN {ATTENDED} AND e.status = 'completed' AND p.year = %(year)s
    GROUP BY 1
), earned AS (
    SELECT e.teacher_id, sp.credit_category AS category,
           CASE WHEN %(proportional)s THEN least(coalesce(a.h, 0) + coalesce(o.online_hours, 0), sp.hours)
                ELSE sp.hours END AS h
    FROM programs_enrolment e JOIN programs_subproject sp ON sp.id = e.subproject_id
    JOIN programs_program p ON p.id = sp.program_id
    LEFT JOIN attended a ON a.enrolment_id = e.id LEFT JOIN outreach_onlinestudy o ON o.enrolment_id = e.id
    WHERE e.status = 'completed' AND p.year = %(year)s
), per_teacher AS (
    SELECT t.id, t.school_id,
           coalesce(sum(h) FILTER (WHERE category = 'centralized'), 0) AS c,
           coalesce(sum(h) FILTER (WHERE category = 'online'), 0) AS o,
           coalesce(sum(h) FILTER (WHERE category = 'school_based'), 0) AS s
    FROM trainees_teacher t JOIN trainees_school sc ON sc.id = t.school_id
    LEFT JOIN earned ON earned.teacher_id = t.id
    WHERE sc.county_id = ANY(%(counties)s) GROUP BY t.id
)
SELECT count(*), sum(c + o + s), count(*) FILTER (WHERE c + o + s >= 72) FROM per_teacher
"""

SEARCH_FROM = """FROM trainees_teacher t JOIN trainees_school s ON s.id = t.school_id
    LEFT JOIN trainees_region tw ON tw.id = s.township_id WHERE s.county_id = ANY(%(counties)s)"""
NAME_BASELINE = [
    f"SELECT count(*) {SEARCH_FROM} AND (upper(t.name::text) LIKE upper(%(like)s) "
    "OR upper(t.phone::text) LIKE upper(%(like)s))",
    f"SELECT t.*, s.*, tw.* {SEARCH_FROM} AND (upper(t.name::text) LIKE upper(%(like)s) "
    "OR upper(t.phone::text) LIKE upper(%(like)s)) ORDER BY s.code, t.name, t.id LIMIT %(page)s",
]
ID_BASELINE = [f"SELECT t.*, s.*, tw.* {SEARCH_FROM} AND t.id_number = %(id_number)s"]

GRID_BASELINE = """
SELECT e.id, t.name, t.id_number, s.name, r.status, r.note, r.updated_at
FROM programs_enrolment e
JOIN trainees_teacher t ON t.id = e.teacher_id
JOIN trainees_school s ON s.id = e.school_id
LEFT JOIN attendance_attendancerecord r ON r.enrolment_id = e.id AND r.session_id = %s
WHERE e.subproject_id = %s AND e.status IN ('confirmed', 'completed')
ORDER BY s.code, t.name, e.id
"""


# The phases, each in a fresh process. ----------------------------------------------------------


def first_county() -> int:
    return 2 + CITIES


def counties_of(unit: str) -> list[int]:
    return [first_county()] if unit == "county" else list(range(first_county(), first_county() + COUNTIES))


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def sql_rows(sql: str, params) -> list:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def phase_generate(args) -> dict:
    from django.db import connection

    started = time.perf_counter()
    # The search needs the registry only: `--only search` at `--scale 1` is a million teachers in minutes.
    tables = {"trainees_region", "trainees_school", "trainees_teacher"} if args.only == "search" else None
    counts = _generate.generate(shape(args.scale), echo_after=10, tables=tables)
    seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        size = cur.fetchone()[0]
    return {"seconds": seconds, "counts": counts, "bytes": size}


def phase_tally(args) -> dict:
    from assessment.models import CountyCreditSettings
    from trainees.models import Region

    county = Region.objects.get(pk=first_county()) if args.unit == "county" else None
    mode = CountyCreditSettings.Mode.PROPORTIONAL if args.mode == "proportional" else CountyCreditSettings.Mode.FULL
    if not CountyCreditSettings.objects.filter(mode=mode).exists():  # switch every county to this mode
        from django.db import connection

        CountyCreditSettings.objects.all().delete()
        CountyCreditSettings.objects.bulk_create(
            CountyCreditSettings(county_id=pk, mode=mode) for pk in counties_of("province")
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE assessment_countycreditsettings")
    written = []
    seconds = []
    for _ in range(2):  # first run writes what changed, the second finds nothing to write
        started = time.perf_counter()
        written.append(tally(year=YEAR, county=county))
        seconds.append(time.perf_counter() - started)
    return {"first": seconds[0], "second": seconds[1], "written": written}


def phase_tally_baseline(args) -> dict:
    params = {"year": YEAR, "counties": counties_of(args.unit), "proportional": args.mode == "proportional"}
    result: list = []
    seconds = timed(lambda: result.append(sql_rows(TALLY_BASELINE, params)[0]))
    return {"seconds": seconds, "teachers": result[0][0]}


def phase_summary(args) -> dict:
    from bench.annual_summary import M_TIMES, N_YEARS
    from reports.models import ExportJob
    from reports.services import export_request_for_command, export_run
    from trainees.models import Region

    place = Region.objects.get(pk=first_county() if args.unit == "county" else PROVINCE)
    started = time.perf_counter()
    job = export_request_for_command(
        county=place if args.unit == "county" else None,
        region=place if args.unit == "province" else None,
        year_from=_generate.YEAR_FROM,
        year_to=_generate.YEAR_TO,
        not_trained_years=N_YEARS,
        many_times=M_TIMES,
    )
    job = export_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    assert job.status == ExportJob.Status.DONE, job.error
    return {"seconds": seconds, "bytes": job.file.size}


def phase_summary_baseline(args) -> dict:
    from django.db import connection
    from openpyxl import Workbook

    from bench.annual_summary import BASELINE_SHEETS

    out = Path(tempfile.gettempdir()) / f"peixun-bench-province-{os.getpid()}.xlsx"
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    with connection.cursor() as cur:
        for title, queries in BASELINE_SHEETS.items():
            ws = wb.create_sheet(title)
            for sql in queries:
                cur.execute(sql, {"counties": counties_of(args.unit)})
                while batch := cur.fetchmany(2000):
                    for row in batch:
                        ws.append(list(row))
    wb.save(out)
    seconds = time.perf_counter() - started
    size = out.stat().st_size
    out.unlink()
    return {"seconds": seconds, "bytes": size}


def phase_summary_check(args) -> dict:
    """The export's grand total (sub-projects, places taken, teachers) equals the plain-SQL total."""
    from openpyxl import load_workbook

    from bench.annual_summary import BASELINE_SHEETS
    from reports.models import ExportJob

    job = ExportJob.objects.filter(status=ExportJob.Status.DONE).latest("pk")
    expected = tuple(sql_rows(BASELINE_SHEETS["年度汇总"][-1], {"counties": counties_of(args.unit)})[0][1:])
    rows = load_workbook(job.file.path, read_only=True)["年度汇总"].iter_rows(values_only=True)
    # The total row ends with the three figures, whichever columns (县区, 年度, 级别 …) precede them.
    found = [r for r in rows if any(isinstance(c, str) and c.endswith("合计") for c in r[:3])]
    total = next((r for r in reversed(found) if tuple(x for x in r if isinstance(x, int))[:3] == expected), None)
    for old in ExportJob.objects.all():
        old.file.delete(save=False)
    ExportJob.objects.all().delete()
    assert total is not None, (expected, found[-3:])
    return {"total": list(expected)}


def _users():
    from accounts.models import Role, User
    from tests.factories.registry import UserFactory
    from trainees.models import Region

    county = User.objects.filter(username="bench_county").first() or UserFactory(
        username="bench_county", role=Role.COUNTY_STAFF, county=Region.objects.get(pk=first_county())
    )
    province = User.objects.filter(username="bench_province").first() or UserFactory(
        username="bench_province", role=Role.PROVINCE_STAFF, region=Region.objects.get(pk=PROVINCE)
    )
    return {"county": county, "province": province}


def _medians(fns: dict, repeat: int, budget: float = 10) -> dict[str, float]:
    """Each step `repeat` times in turn (after one warm-up), so a busy machine slows them alike; a slow
    step stops after 3 runs once it has taken `budget` seconds (a full scan of a million rows)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            if len(times[name]) < 3 or sum(times[name]) < budget:
                times[name].append(timed(fn))
    return {name: statistics.median(values) for name, values in times.items()}


def _row_count(result) -> int:
    return result[0] if isinstance(result, tuple) else len(result)


def phase_search(args) -> dict:
    from django.conf import settings
    from django.db import connection

    from trainees.models import Teacher
    from trainees.selectors import teacher_list

    users = _users()
    # A teacher of the measured county with a 3-character name (one trigram: what the index can
    # serve), and its 2-character prefix (no trigram: an index cannot help).
    teachers = Teacher.objects.filter(school__county_id=first_county(), pk__gte=17).order_by("pk")[:50]
    person = next(t for t in teachers if len(t.name) == 3)
    terms = {"full name": person.name, "2-char name": person.name[:2]}
    fns, checks = {}, {}
    for unit, user in users.items():
        counties = counties_of(unit)
        for label, term in terms.items():
            params = {"counties": counties, "like": f"%{term}%", "page": settings.PAGE_SIZE}

            def view(user=user, term=term):
                return search_by_name(user=user, q=term)

            def plain(params=params):
                return sql_rows(NAME_BASELINE[0], params)[0][0], [r[0] for r in sql_rows(NAME_BASELINE[1], params)]

            fns[f"{unit} {label}"], fns[f"{unit} {label} baseline"] = view, plain
            checks[f"{unit} {label}"] = (view, plain)
        params = {"counties": counties, "id_number": person.id_number}
        fns[f"{unit} full ID"] = lambda user=user: lookup_by_id_number(user=user, id_number=person.id_number)
        fns[f"{unit} full ID baseline"] = lambda params=params: [r[0] for r in sql_rows(ID_BASELINE[0], params)]
        checks[f"{unit} full ID"] = (fns[f"{unit} full ID"], fns[f"{unit} full ID baseline"])
    for name, (view, plain) in checks.items():
        assert view() == plain(), (name, view(), plain())  # the same rows, two routes
    medians = _medians(fns, args.repeat)
    _, qs = teacher_list(user=users["province"], params={"q": person.name})
    with connection.cursor() as cur:
        sql, sql_params = qs.query.sql_with_params()
        cur.execute(f"EXPLAIN {sql}", sql_params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    return {
        "medians": medians,
        "terms": terms,
        "rows": {name: _row_count(view()) for name, (view, _) in checks.items()},
        "selector_uses_trgm": "trgm" in plan,
    }


def phase_trgm(args) -> dict:
    """Drop (`--mode drop`, remembering their definitions in a table) or rebuild the trigram indexes."""
    from django.db import connection

    with connection.cursor() as cur:
        if args.mode == "drop":
            cur.execute("CREATE TABLE IF NOT EXISTS bench_saved_index (name text PRIMARY KEY, def text)")
            cur.execute(
                "INSERT INTO bench_saved_index SELECT indexname, indexdef FROM pg_indexes "
                "WHERE indexname = ANY(%s) ON CONFLICT DO NOTHING",
                [list(TRGM_INDEXES)],
            )
            for name in TRGM_INDEXES:
                cur.execute(f'DROP INDEX IF EXISTS "{name}"')
            return {"saved": sql_rows("SELECT count(*) FROM bench_saved_index", [])[0][0]}
        definitions = sql_rows("SELECT def FROM bench_saved_index", [])
        started = time.perf_counter()
        for (definition,) in definitions:
            cur.execute(definition)
        seconds = time.perf_counter() - started
        cur.execute("ANALYZE trainees_teacher")
        size = sql_rows("SELECT coalesce(sum(pg_relation_size(indexname::regclass)), 0)::bigint FROM pg_indexes "
                        "WHERE indexname = ANY(%s)", [list(TRGM_INDEXES)])[0][0]  # fmt: skip
        cur.execute("DROP TABLE bench_saved_index")
    return {"seconds": seconds, "indexes": len(definitions), "bytes": size}


def phase_grid(args) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment(debug=False)
    settings.DEBUG = False
    user = _users()["county"]
    # The year's session of the first county whose sub-project has the most trainees taking part.
    session_id, subproject_id, trainees = sql_rows(
        """SELECT se.id, se.subproject_id, count(*) FROM programs_session se
           JOIN programs_subproject sp ON sp.id = se.subproject_id JOIN programs_program p ON p.id = sp.program_id
           JOIN programs_enrolment e ON e.subproject_id = sp.id AND e.status IN ('confirmed', 'completed')
           WHERE p.county_id = %s AND p.year = %s AND sp.kind = 'short' AND EXISTS
                 (SELECT 1 FROM attendance_attendancerecord a WHERE a.session_id = se.id)
           GROUP BY se.id ORDER BY 3 DESC, 1 LIMIT 1""",
        [first_county(), YEAR],
    )[0]
    client = Client()
    client.force_login(user)
    url = reverse("attendance_grid", args=[session_id])

    def render():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def plain():
        assert len(sql_rows(GRID_BASELINE, [session_id, subproject_id])) == trainees

    medians = _medians({"render": render, "baseline": plain}, args.repeat)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM attendance_attendancerecord WHERE session_id = %s", [session_id])
        records = cur.fetchone()[0]
    return {"medians": medians, "trainees": trainees, "records": records}


PHASES = {
    "generate": phase_generate,
    "tally": phase_tally,
    "tally_baseline": phase_tally_baseline,
    "summary": phase_summary,
    "summary_baseline": phase_summary_baseline,
    "summary_check": phase_summary_check,
    "search": phase_search,
    "trgm": phase_trgm,
    "grid": phase_grid,
}


def child(args) -> None:
    with scratch_database("province", database=args.database) as url:
        # The grid page is rendered with the development static files storage (no collected manifest), as
        # attendance_grid.py does; the measured requests run with DEBUG off.
        setup_django(url, debug=args.phase == "grid")
        result = PHASES[args.phase](args)
        result["rss"] = maxrss_mb()
        print(json.dumps(result, ensure_ascii=False))


def run_child(database: str, phase: str, *extra: str, scale: float = 0, repeat: int = 0) -> dict:
    argv = ["--database", database, "--phase", phase, "--scale", str(scale), "--repeat", str(repeat), *extra]
    result = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{phase} {' '.join(extra)} failed:\n{result.stdout}{result.stderr}")
    lines = result.stdout.strip().splitlines()
    for line in lines[:-1]:  # the generator's progress
        print(line, flush=True)
    return json.loads(lines[-1])


def _seconds(value: float) -> str:
    return f"{value:8.2f} s " if value >= 1 else f"{value * 1000:8.1f} ms"


def line(label: str, wall: float, base: float, rss: float | None = None, note: str = "") -> None:
    ratio = f"{wall / base:7.2f}x" if base else "      -"
    memory = f"  peak RSS {rss:6.1f} MB" if rss is not None else ""
    print(f"  {label:<44} {_seconds(wall)}  baseline {_seconds(base)}  ratio {ratio}{memory}{note}", flush=True)


def heavy(database: str, runs: int, phase: str, *extra: str) -> tuple[float, float, dict]:
    """Median wall time and peak RSS of `runs` fresh processes of a phase, and the last one's result."""
    results = [run_child(database, phase, *extra) for _ in range(runs)]
    return statistics.median(r.get("seconds", 0) for r in results), max(r["rss"] for r in results), results[-1]


def tally_section(database: str, runs: int) -> None:
    print("credit tally, year 2026 (tally(): assessment.credits.tally_credits); baseline: one GROUP BY of the "
          "same per-teacher hours, no write", flush=True)  # fmt: skip
    for mode in ("full", "proportional"):
        for unit in ("county", "province"):
            base, _, _ = heavy(database, runs, "tally_baseline", "--unit", unit, "--mode", mode)
            tal = run_child(database, "tally", "--unit", unit, "--mode", mode)
            line(f"{unit} [{mode}] first run", tal["first"], base, tal["rss"], f"  ({tal['written'][0]:,} written)")
            line(f"{unit} [{mode}] second run", tal["second"], base, None, f"  ({tal['written'][1]:,} written)")


def summary_section(database: str, runs: int) -> None:
    print("annual summary 2022-2026 (reports.services.export_run); baseline: plain GROUP BY queries + "
          "write-only dump", flush=True)  # fmt: skip
    for unit in ("county", "province"):
        base, base_rss, _ = heavy(database, runs, "summary_baseline", "--unit", unit)
        summ, summ_rss, last = heavy(database, runs, "summary", "--unit", unit)
        check = run_child(database, "summary_check", "--unit", unit)
        line(f"{unit} annual summary", summ, base, summ_rss,
             f"  (baseline RSS {base_rss:.1f} MB; {last['bytes'] / 2**10:,.0f} KB workbook; 合计 "
             f"{tuple(check['total'])} = plain SQL)")  # fmt: skip


def search_section(database: str, repeat: int) -> None:
    print(f"teacher list search (selector + paginator: count and first page; median of {repeat}); "
          "baseline: the same rows in plain SQL", flush=True)  # fmt: skip
    dropped = run_child(database, "trgm", "--mode", "drop")
    before = run_child(database, "search", repeat=repeat)
    built = run_child(database, "trgm", "--mode", "build")
    after = run_child(database, "search", repeat=repeat)
    terms = before["terms"]
    print(f"  terms: full name {terms['full name']!r}, 2-char name {terms['2-char name']!r}; trigram indexes "
          f"dropped {dropped['saved']}, rebuilt in {built['seconds']:.1f} s ({built['bytes'] / 2**20:.1f} MB)",
          flush=True)  # fmt: skip
    for name in before["rows"]:
        for when, result in (("without trigram index", before), ("with trigram index", after)):
            if name.endswith("full ID") and when.startswith("without"):
                continue  # the B-tree of the unique 身份证号 serves it either way
            m = result["medians"]
            label = f"{name} ({when})" if not name.endswith("full ID") else f"{name} (exact)"
            line(label, m[name], m[f"{name} baseline"], result["rss"], f"  ({result['rows'][name]:,} rows)")
    uses = after["selector_uses_trgm"]
    print(f"  the list selector's plan uses the trigram indexes: {uses}"
          f"{'' if uses else ' (its filter ORs in a 身份证号 substring, which no index serves: it reads the whole table)'}"
          "; a 2-character term has no trigram, so it is a full scan with or without them", flush=True)  # fmt: skip


def grid_section(database: str, repeat: int) -> None:
    grid = run_child(database, "grid", repeat=repeat)
    print(f"attendance grid page (county staff, {grid['trainees']} trainees, {grid['records']} records; median "
          f"of {repeat}); baseline: attendance_grid.py's plain SELECT", flush=True)  # fmt: skip
    line("grid render", grid["medians"]["render"], grid["medians"]["baseline"], grid["rss"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02, help="1 = the real province (default 0.02)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each heavy phase (median)")
    parser.add_argument("--repeat", type=int, default=15, help="repetitions of each fast measure (median)")
    parser.add_argument("--only", default="tally,summary,search,grid", help="measures to run (comma-separated)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--unit", default="county", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="full", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    started = time.perf_counter()
    with scratch_database("province") as url:
        database = scratch_name("province")
        assert url.endswith(database)
        z = shape(args.scale)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"== province at scale {args.scale:g} (1 = 1,005,000 teachers / 6,018,750 enrolments / 20,062,500 "
              f"attendance rows): {COUNTIES} counties in {CITIES} cities, {z.tc:,} teachers and {z.spc} "
              f"sub-projects of {z.places} places a county; load {load}", flush=True)  # fmt: skip
        gen = run_child(database, "generate", "--only", args.only, scale=args.scale)
        counts = ", ".join(f"{k.split('_', 1)[1]} {v:,}" for k, v in gen["counts"].items())
        print(f"  generated in {gen['seconds']:.0f} s: {counts}; database {gen['bytes'] / 2**30:.2f} GB", flush=True)
        only = set(args.only.split(","))
        if "tally" in only:
            tally_section(database, args.runs)
        if "summary" in only:
            summary_section(database, args.runs)
        if "search" in only:
            search_section(database, args.repeat)
        if "grid" in only:
            grid_section(database, args.repeat)
        with connection_to(database) as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            print(f"  database at the end {cur.fetchone()[0] / 2**30:.2f} GB", flush=True)
    print(f"whole run {time.perf_counter() - started:.0f} s", flush=True)


@contextlib.contextmanager
def connection_to(database: str):
    import psycopg2

    from bench._scratch import server_url

    conn = psycopg2.connect(server_url(database))
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


if __name__ == "__main__":
    main()
