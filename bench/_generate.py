"""Set-based (generate_series) generator of a benchmark region, shared by annual_summary.py and province.py.

A `Shape` says how many counties in how many cities and the per-county sizes; `generate(shape)` migrates
the (scratch) database and fills it with one INSERT … SELECT per table, triggers and foreign-key checks
off while loading (session_replication_role = replica), then sets the sequences and runs ANALYZE.

Region ids: 1 the province, 2 … 1 + cities the cities, counties from `first_county` = 2 + cities, their
townships (30 each) from `township_base`. School s (1-based) lies in county (s - 1) / sc, teacher t in
school 1 + (t - 1) / 100; program p, sub-project i and enrolment ids run county by county, so a county's
rows are contiguous id ranges.
"""

import math
import re
import time
from dataclasses import dataclass

YEAR_FROM, YEAR_TO = 2022, 2026


@dataclass(frozen=True)
class Shape:
    counties: int
    cities: int
    tc: int  # teachers per county
    sc: int  # schools per county (100 teachers a school)
    pc: int  # programs per county (py a year over the 5 years)
    py: int  # programs per county and year
    spc: int  # sub-projects per county (5 a program)
    places: int  # enrolments per sub-project: distinct teachers of its county (needs places <= tc)
    attended: str  # SQL condition on enrolment `e`: the enrolments with attendance rows (8 each)
    teacher_name: str = "'教师' || t"  # SQL expression of teacher id `t`
    teacher_phone: str = "''"
    status_block: int = 1000  # enrolments i … i + block - 1 share a status (20 blocks: 15% not taking part)

    @property
    def first_county(self) -> int:
        return 2 + self.cities

    @property
    def township_base(self) -> int:
        return 100 * math.ceil((self.first_county + self.counties) / 100)

    @property
    def city_ids(self) -> list[int]:
        return list(range(2, 2 + self.cities))

    @property
    def county_ids(self) -> list[int]:
        return list(range(self.first_county, self.first_county + self.counties))

    def county_city(self, county_id: int) -> int:
        return 2 + (county_id - self.first_county) // math.ceil(self.counties / self.cities)


def generate_sql(shape: Shape) -> list[str]:
    tc, sc, pc, py, spc, places = shape.tc, shape.sc, shape.pc, shape.py, shape.spc, shape.places
    counties, first, tb = shape.counties, shape.first_county, shape.township_base
    schools, teachers, programs, subprojects = counties * sc, counties * tc, counties * pc, counties * spc
    enrolments = subprojects * places
    width = max(2, len(str(counties)))
    if shape.cities == 1:
        cities = "(2, '基准市', 'city', '', 1)"
        city_of = "2"
    else:
        cities = ", ".join(f"({2 + k}, '基准市{k + 1:02d}', 'city', '', 1)" for k in range(shape.cities))
        city_of = f"2 + c / {math.ceil(counties / shape.cities)}"
    return [
        "SET session_replication_role = replica",  # no triggers or FK checks while bulk loading
        f"""INSERT INTO trainees_region (id, name, level, code, parent_id) VALUES
           (1, '基准省', 'province', '', NULL), {cities}""",
        f"""INSERT INTO trainees_region (id, name, level, code, parent_id)
            SELECT {first} + c, '基准县' || lpad((c + 1)::text, {width}, '0'), 'county', '', {city_of}
            FROM generate_series(0, {counties - 1}) c""",
        f"""INSERT INTO trainees_region (id, name, level, code, parent_id)
            SELECT {tb} + c * 30 + m, '基准县' || (c + 1) || '镇' || m, 'township', '', {first} + c
            FROM generate_series(0, {counties - 1}) c, generate_series(0, 29) m""",
        # school s (1-based) lies in county (s - 1) / sc; teacher t in school 1 + (t - 1) / 100.
        f"""INSERT INTO trainees_school (id, code, name, kind, area, county_id, township_id, has_resource_room)
            SELECT s, 'B' || lpad(s::text, 6, '0'), '基准学校' || s, 'central',
                   CASE WHEN s % 3 = 0 THEN 'urban' ELSE 'rural' END, {first} + (s - 1) / {sc},
                   {tb} + ((s - 1) / {sc}) * 30 + s % 30, false
            FROM generate_series(1, {schools}) s""",
        f"""INSERT INTO trainees_teacher (id, name, id_number, gender, birth_date, phone, stage, subject, title,
                   post, is_rural, is_special_post, education, created_at, updated_at, school_id)
            SELECT t, {shape.teacher_name}, '32' || lpad(t::text, 16, '0'), CASE WHEN t % 3 = 0 THEN 'M' ELSE 'F' END,
                   DATE '1970-01-01' + (t % 12000), {shape.teacher_phone}, 'primary', '数学', '', 'teacher', t % 2 = 0, false,
                   '本科', now(), now(), 1 + (t - 1) / 100
            FROM generate_series(1, {teachers}) t""",
        """INSERT INTO programs_category (id, name, is_active, sort_order)
           SELECT i, '类别' || i, true, i * 10 FROM generate_series(1, 8) i""",
        f"""INSERT INTO programs_program (id, year, level, name, issuer, status, created_at, category_id, county_id)
            SELECT p, {YEAR_FROM} + ((p - 1) % {pc}) / {py},
                   (ARRAY['national','provincial','municipal','county','school'])[1 + p % 5],
                   '基准项目' || p, '', 'finished', now(), 1 + p % 8, {first} + (p - 1) / {pc}
            FROM generate_series(1, {programs}) p""",
        f"""INSERT INTO programs_subproject (id, name, kind, institution, modality, hours, credit_category, quota,
                   budget, program_id)
            SELECT i, '子项目' || i,
                   CASE i % 20 WHEN 0 THEN 'outreach' WHEN 1 THEN 'workshop' ELSE 'short' END,
                   '师范大学', CASE WHEN i % 20 = 1 THEN 'blended' ELSE 'centralized' END, 24, 'centralized',
                   300, 50000, 1 + (i - 1) / 5
            FROM generate_series(1, {subprojects}) i""",
        f"""INSERT INTO programs_session (id, title, date, start_time, end_time, place, hours, kind, subproject_id,
                   host_school_id)
            SELECT (s.id - 1) * 8 + j, '活动' || j, make_date(p.year, j, 1), TIME '09:00', TIME '12:00', '', 3,
                   CASE WHEN s.kind = 'outreach' THEN 'outreach_visit' ELSE 'lecture' END, s.id,
                   CASE WHEN s.kind = 'outreach' THEN 1 + ((p.county_id - {first}) * {sc})
                                                      + (s.id * 7 + j) % {sc} END
            FROM programs_subproject s JOIN programs_program p ON p.id = s.program_id, generate_series(1, 8) j""",
        # {places} distinct teachers of the sub-project's county each: 131·k mod tc never repeats (k < places).
        f"""INSERT INTO programs_enrolment (id, status, reason, created_at, changed_at, school_id, teacher_id,
                   subproject_id)
            SELECT i + 1,
                   CASE (i / {shape.status_block}) % 20 WHEN 0 THEN 'withdrawn' WHEN 1 THEN 'nominated' WHEN 2 THEN 'substituted'
                        ELSE CASE WHEN (i / {shape.status_block}) % 20 < 10 THEN 'completed' ELSE 'confirmed' END END,
                   '', now(), now(), 1 + (t - 1) / 100, t, sp
            FROM (SELECT i, sp, ((sp - 1) / {spc}) * {tc} + 1 + ((i % {places}) * 131 + sp * 167) % {tc} AS t
                  FROM (SELECT i, 1 + i / {places} AS sp FROM generate_series(0, {enrolments - 1}) i) a) g""",
        f"""INSERT INTO attendance_attendancerecord (status, note, source, updated_at, enrolment_id, session_id)
            SELECT CASE (e.id + j) % 20 WHEN 0 THEN 'absent' WHEN 1 THEN 'absent' WHEN 2 THEN 'leave'
                        WHEN 3 THEN 'late' ELSE 'present' END,
                   '', 'grid', now(), e.id, (e.subproject_id - 1) * 8 + j
            FROM programs_enrolment e, generate_series(1, 8) j WHERE {shape.attended}""",
        """INSERT INTO outreach_cycle (id, year, subject, stage, created_at, county_id, subproject_id)
            SELECT s.id, p.year, '数学', '小学', now(), p.county_id, s.id
            FROM programs_subproject s JOIN programs_program p ON p.id = s.program_id
            WHERE s.kind = 'outreach'""",
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
        f"""INSERT INTO assessment_creditrequirement (year, "group", new_within_years, unit, total_hours,
                   updated_at, county_id)
            SELECT y, 'all', 3, 'hours', 72, now(), {first} + c
            FROM generate_series({YEAR_FROM}, {YEAR_TO}) y, generate_series(0, {counties - 1}) c""",
        f"""INSERT INTO assessment_credittally (year, centralized_hours, online_hours, school_based_hours,
                   total_hours, credits, met, shortfall_hours, unit, requirement_total, rule, computed_at,
                   county_id, school_id, teacher_id)
            SELECT y, h, 0, 0, h, h / 10.0, h >= 72, greatest(72 - h, 0), 'hours', 72, '', now(),
                   s.county_id, t.school_id, t.id
            FROM trainees_teacher t JOIN trainees_school s ON s.id = t.school_id,
                 generate_series({YEAR_FROM}, {YEAR_TO}) y, LATERAL (SELECT (t.id * 13 + y) % 120 AS h) x""",
        # The ledger as the migration of these tallies leaves it (assessment/migrations/0005): each
        # county's default categories, one "migrated" row per tally with hours, so the reports' sums
        # over the ledger read real rows (the credit tally's first run replaces them, as the first
        # rebuild after that migration does).
        f"""INSERT INTO assessment_countycreditcategory (county_id, code, name, hours_per_credit,
                   subproject_category, "order")
            SELECT {first} + c, x.code, x.name, 10, x.sub, x.o
            FROM generate_series(0, {counties - 1}) c,
                 (VALUES ('centralized', '集中培训', 'centralized', 1), ('online', '网络研修', 'online', 2),
                         ('school_based', '校本研修', 'school_based', 3), ('self_study', '自主研修', '', 4))
                 AS x (code, name, sub, o)""",
        """INSERT INTO assessment_creditentry (teacher_id, year, county_id, school_id, category_id, source_kind,
                   source_id, title, hours, credits, status, locked, created_at, updated_at)
            SELECT ct.teacher_id, ct.year, ct.county_id, ct.school_id, cat.id, 'migrated', ct.id, '原学时统计',
                   ct.centralized_hours, round(ct.centralized_hours / 10, 2), 'counted', false, now(), now()
            FROM assessment_credittally ct
            JOIN assessment_countycreditcategory cat ON cat.county_id = ct.county_id AND cat.code = 'centralized'
            WHERE ct.centralized_hours > 0""",
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


def _filler_defaults(cur, statements: list[str]) -> list[tuple[str, str]]:
    tables = sorted(set(re.findall(r"INSERT INTO (\w+)", " ".join(statements))))
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


def _table(sql: str) -> str | None:
    table = re.search(r"INSERT INTO (\w+)", sql)
    return table.group(1) if table else None


def generate(shape: Shape, *, echo_after: float = 5, tables: set[str] | None = None) -> dict[str, int]:
    """Migrate the current database and fill it (only `tables`, when given); statements slower than
    `echo_after` seconds are printed."""
    from django.db import connection

    from bench._scratch import migrate

    migrate()
    statements = generate_sql(shape)
    if tables is not None:
        statements = [sql for sql in statements if not sql.startswith("INSERT") or _table(sql) in tables]
    with connection.cursor() as cur:
        filled = _filler_defaults(cur, statements)
        for sql in statements:
            started = time.perf_counter()
            cur.execute(sql)
            if time.perf_counter() - started > echo_after:
                print(f"  {_table(sql) or sql[:30]}: {time.perf_counter() - started:.0f} s", flush=True)
        for table, column in filled:
            cur.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        for table in SEQUENCES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")
        counts = {}
        for table in ("trainees_teacher", "programs_enrolment", "attendance_attendancerecord"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    return counts
