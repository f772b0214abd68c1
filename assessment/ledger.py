"""The credit ledger: rebuilding its rows from the records, and the tally as a GROUP BY over it.

Rows that come from records (completed enrolments, recognised 校本 sessions, 送教上门) are keyed by
their source, so a rebuild upserts what is still earned, deletes what no longer is, and writes nothing
when nothing changed. Claims and corrections are written by their own services and never rebuilt.
The tally (CreditTally) is then one GROUP BY over the ledger per chunk of teachers, with the
requirement that applies to each teacher chosen in SQL (the strictest applicable one).

A run covers any number of counties in the same statements: each county's categories, rates and
requirements are joined or chosen by the teacher's county inside the SQL, so a province of 150
counties costs as many statements as one county of the same size (chunks of teachers), not 150 times
the fixed cost of a county's statements."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from trainees.models import Region, Teacher

from .models import (
    CountyCreditSettings,
    CreditEntry,
    CreditRequirement,
    CreditTally,
    SchoolProject,
)
from .rules import exemption_sql, minimum_exemption_sql

Source = CreditEntry.Source
REBUILT_KINDS = (Source.ENROLMENT, Source.SCHOOL_SESSION, Source.HOME_VISIT, Source.MIGRATED)
TEACHERS_TABLE = "assessment_ledger_teachers"
OTHERS_TABLE = "assessment_ledger_others"
DIFF_TABLE = "assessment_ledger_diff"
ZERO = Decimal(0)
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.order_by().query.sql_with_params()
    return sql, tuple(params)


def _named(sql: str, params: tuple, prefix: str, named: dict[str, Any]) -> str:
    """Turn a compiled queryset's positional placeholders into named ones (one statement mixes several)."""
    parts = sql.replace("%%", "\x00").split("%s")
    out = [parts[0]]
    for index, part in enumerate(parts[1:]):
        key = f"{prefix}{index}"
        named[key] = params[index]
        out.append(f"%({key})s{part}")
    return "".join(out).replace("\x00", "%%")


def _rowcount(cursor: Any) -> int:
    if cursor.rowcount >= 0:
        return cursor.rowcount
    cursor.execute("SELECT changes()")  # SQLite's driver reports no row count for WITH … INSERT
    return cursor.fetchone()[0]


def _analyze(cursor: Any, *tables: str) -> None:
    """Fresh statistics for the work tables, so PostgreSQL joins them by hash or index, not by loops."""
    if connection.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def create_work_tables(cursor: Any) -> None:
    drop_work_tables(cursor)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {TEACHERS_TABLE} (id bigint PRIMARY KEY, school_id bigint, county_id bigint)"
    )
    # Rows computed here rather than in SQL (送教上门 hours), joined into the comparison like the others.
    cursor.execute(
        f"CREATE TEMPORARY TABLE {OTHERS_TABLE} (teacher_id bigint, source_kind varchar(16), source_id bigint, "
        "category_id bigint, title varchar(200), hours numeric)"
    )
    # What the comparison found to change: old_id without teacher_id is stale, teacher_id without
    # old_id is missing, both is a changed row.
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DIFF_TABLE} (old_id bigint, teacher_id bigint, school_id bigint, county_id bigint, "
        "category_id bigint, source_kind varchar(16), source_id bigint, title varchar(200), hours numeric, "
        "credits numeric)"
    )


def drop_work_tables(cursor: Any) -> None:
    for table in (TEACHERS_TABLE, OTHERS_TABLE, DIFF_TABLE):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


# ---------------------------------------------------------------------------------------------
# Which requirement applies to a teacher: the strictest applicable one, decided in SQL


def group_condition(requirement: CreditRequirement, year: int) -> tuple[str, list[Any]]:
    """SQL over trainees_teacher `tt` that is true when `requirement`'s group includes the teacher."""
    group = CreditRequirement.Group
    if requirement.group == group.SPECIAL_POST:
        return "tt.is_special_post", []
    if requirement.group == group.NEW_TEACHER:
        return "(tt.entry_year IS NOT NULL AND tt.entry_year > %s)", [year - requirement.new_within_years]
    if requirement.group == group.PRINCIPAL:
        return "tt.post IN (%s, %s)", [Teacher.Post.PRINCIPAL, Teacher.Post.VICE_PRINCIPAL]
    return "1 = 1", []


def exemption_condition(requirement: CreditRequirement, year: int) -> tuple[str, list[Any]]:
    """SQL over `tt` that is true when one of the requirement's exemptions covers the teacher."""
    return exemption_sql(requirement=requirement, year=year)


def applicable_requirements(*, counties: Iterable[int], year: int) -> list[CreditRequirement]:
    """The counties' requirements of the year, each county's strictest first (a higher total wins; in
    学分 units the total is compared as it stands, since a county states all of a year's requirements
    in one unit)."""
    return sorted(
        CreditRequirement.objects.filter(county__in=list(counties), year=year).prefetch_related("exemptions"),
        key=lambda r: (r.county_id, -r.total_hours, r.group != CreditRequirement.Group.ALL, r.pk),
    )


def rule_case(requirements: list[CreditRequirement], year: int) -> tuple[str, str, list[Any], list[Any]]:
    """Two CASE expressions over the chunk's teacher `t` and `tt`: the requirement id that applies, and
    its label. A requirement applies to its own county's teachers only; within a county the first
    (strictest) applicable one wins."""
    if not requirements:
        return "NULL", "''", [], []
    id_parts, label_parts, id_params, label_params = [], [], [], []
    for requirement in requirements:
        cond, cond_params = group_condition(requirement, year)
        exempt, exempt_params = exemption_condition(requirement, year)
        clause = f"WHEN t.county_id = %s AND ({cond}) AND NOT ({exempt}) THEN "
        id_parts.append(clause + "%s")
        label_parts.append(clause + "%s")
        id_params += [requirement.county_id, *cond_params, *exempt_params, requirement.pk]
        label_params += [requirement.county_id, *cond_params, *exempt_params, requirement.rule_label]
    # Exempt from every requirement of their group: no requirement, but the row says which exemption.
    for requirement in requirements:
        exempt, exempt_params = exemption_condition(requirement, year)
        if exempt == "1 = 0":
            continue
        cond, cond_params = group_condition(requirement, year)
        label_parts.append(f"WHEN t.county_id = %s AND ({cond}) AND ({exempt}) THEN %s")
        label_params += [requirement.county_id, *cond_params, *exempt_params, f"{requirement.rule_label}（免修）"]
    return (
        "CASE " + " ".join(id_parts) + " ELSE NULL END",
        "CASE " + " ".join(label_parts) + " ELSE '' END",
        id_params,
        label_params,
    )


# ---------------------------------------------------------------------------------------------
# The rebuild of one chunk of teachers


def _fill_teachers(cursor: Any, teachers: QuerySet[Teacher]) -> tuple[int, int] | None:
    """The chunk's teachers into the work table; returns their lowest and highest id (None: nobody).

    The bounds go into the statements as values, not as sub-selects of the work table: with values
    PostgreSQL estimates the rows of a teacher-id range from its statistics (a sub-select is unknown
    when planning, estimated at 1,200 rows where a chunk has 240,000, and planned as index loops)."""
    sql, params = _sql(teachers.values_list("pk", "school_id", "school__county_id"))
    cursor.execute(f"DELETE FROM {TEACHERS_TABLE}")
    cursor.execute(f"INSERT INTO {TEACHERS_TABLE} (id, school_id, county_id) {sql}", params)
    cursor.execute(f"SELECT MIN(id), MAX(id) FROM {TEACHERS_TABLE}")
    lo, hi = cursor.fetchone()
    return None if lo is None else (lo, hi)


# The ledger rows the records earn now, as they would be stored (rounded; credits by the category's
# conversion), and the chunk's ledger rows of the year, compared in one FULL JOIN: what comes out is
# only what must change (a missing row, a changed one, a stale one), usually nothing. The three writes
# then touch those rows alone, where an UPDATE, an INSERT and a DELETE each joining every fresh row to
# the ledger cost three times the reading (and a fresh-rows table written in between).
DIFF_SQL = """
WITH earn (id, teacher_id, category, hours, online, mode, program_name, subproject_name) AS ({earn}),
fresh AS (
    SELECT e.teacher_id, t.school_id, t.county_id, c.id AS category_id, c.hours_per_credit,
        'enrolment' AS source_kind, e.id AS source_id, e.program_name || ' ' || e.subproject_name AS title,
        CASE WHEN e.mode = 'proportional' AND COALESCE(a.hours, 0) + COALESCE(e.online, 0) < e.hours
            THEN COALESCE(a.hours, 0) + COALESCE(e.online, 0) ELSE e.hours END AS hours
    FROM earn e
    JOIN {teachers} t ON t.id = e.teacher_id
    JOIN assessment_countycreditcategory c ON c.county_id = t.county_id AND c.subproject_category = e.category
    LEFT JOIN {attended} a ON a.enrolment_id = e.id
    UNION ALL
    SELECT sa.teacher_id, t.school_id, t.county_id, c.id, c.hours_per_credit, 'school_session', s.id,
        p.title || ' ' || s.topic, s.recognised_hours
    FROM assessment_schoolattendance sa
    JOIN {teachers} t ON t.id = sa.teacher_id
    JOIN assessment_countycreditcategory c ON c.county_id = t.county_id AND c.subproject_category = 'school_based'
    JOIN assessment_schoolsession s ON s.id = sa.session_id
    JOIN assessment_schoolproject p ON p.id = s.project_id
    WHERE p.year = %(year)s AND p.status = %(recognised)s AND s.recognised_hours > 0
    UNION ALL
    SELECT h.teacher_id, t.school_id, t.county_id, c.id, c.hours_per_credit, h.source_kind, h.source_id,
        h.title, h.hours
    FROM {others} h
    JOIN {teachers} t ON t.id = h.teacher_id
    JOIN assessment_countycreditcategory c ON c.id = h.category_id
),
new AS (
    SELECT teacher_id, school_id, county_id, category_id, source_kind, source_id, title,
        ROUND(hours, 1) AS hours, ROUND(ROUND(hours, 1) / hours_per_credit, 2) AS credits
    FROM fresh WHERE hours > 0
),
old AS (
    SELECT e.id, e.teacher_id, e.source_kind, e.source_id, e.category_id, e.county_id, e.school_id, e.title,
        e.hours, e.credits, e.locked
    FROM assessment_creditentry e
    WHERE e.year = %(year)s AND e.teacher_id BETWEEN %(lo)s AND %(hi)s AND e.source_kind IN ({kinds})
        AND e.teacher_id IN (SELECT id FROM {teachers})
)
INSERT INTO {diff} (old_id, teacher_id, school_id, county_id, category_id, source_kind, source_id, title, hours, credits)
SELECT old.id, new.teacher_id, new.school_id, new.county_id, new.category_id, new.source_kind, new.source_id,
    new.title, new.hours, new.credits
FROM new FULL JOIN old ON old.teacher_id = new.teacher_id AND old.source_kind = new.source_kind
    AND old.source_id = new.source_id AND old.category_id = new.category_id
WHERE old.id IS NULL
    OR (NOT old.locked AND (new.teacher_id IS NULL OR old.county_id <> new.county_id
        OR old.school_id <> new.school_id OR old.title <> new.title OR old.hours <> new.hours
        OR old.credits <> new.credits))
"""

# A row no record earns any more (and not locked since the comparison).
DELETE_STALE_SQL = """
DELETE FROM assessment_creditentry
WHERE id IN (SELECT old_id FROM {diff} WHERE teacher_id IS NULL) AND NOT locked
"""

UPDATE_CHANGED_SQL = """
UPDATE assessment_creditentry AS old SET county_id = d.county_id, school_id = d.school_id, title = d.title,
    hours = d.hours, credits = d.credits, updated_at = %(now)s
FROM {diff} d
WHERE d.old_id IS NOT NULL AND d.teacher_id IS NOT NULL AND old.id = d.old_id AND NOT old.locked
"""

# A row missing from the year: inserted, or, when its source already has a row in another year (a
# sub-project moved to another program year), that row is moved here unless locked. ON CONFLICT also
# lets a rebuild of the same teachers running at the same moment (a service's refresh beside the
# nightly job) write the row first: its row stands.
INSERT_MISSING_SQL = """
INSERT INTO assessment_creditentry AS old (teacher_id, year, county_id, school_id, category_id, source_kind,
    source_id, title, hours, credits, status, locked, created_at, updated_at)
SELECT teacher_id, %(year)s, county_id, school_id, category_id, source_kind, source_id, title, hours, credits,
    'counted', false, %(now)s, %(now)s
FROM {diff} WHERE old_id IS NULL
ON CONFLICT (teacher_id, source_kind, source_id, category_id) DO UPDATE SET year = excluded.year,
    county_id = excluded.county_id, school_id = excluded.school_id, title = excluded.title,
    hours = excluded.hours, credits = excluded.credits, updated_at = excluded.updated_at
WHERE NOT old.locked AND (old.year <> excluded.year OR old.county_id <> excluded.county_id
    OR old.school_id <> excluded.school_id OR old.title <> excluded.title OR old.hours <> excluded.hours
    OR old.credits <> excluded.credits)
"""

# The tally: sums of the ledger per teacher and category, the requirement that applies (CASE over the
# teacher's attributes), the category gaps against its minimums, and an upsert that writes changed rows
# only and leaves locked rows alone (unless forced by a correction).
TALLY_SQL = """
WITH per_cat AS (
    SELECT e.teacher_id, e.category_id, SUM(e.hours) AS h, SUM(e.credits) AS c
    FROM assessment_creditentry e JOIN {teachers} t ON t.id = e.teacher_id
    WHERE e.teacher_id BETWEEN %(lo)s AND %(hi)s AND e.year = %(year)s AND e.status = 'counted'
    GROUP BY e.teacher_id, e.category_id
),
totals AS (
    SELECT p.teacher_id, SUM(p.h) AS h, SUM(p.c) AS c,
        SUM(CASE WHEN cc.subproject_category = 'centralized' THEN p.h ELSE 0 END) AS hc,
        SUM(CASE WHEN cc.subproject_category = 'online' THEN p.h ELSE 0 END) AS ho,
        SUM(CASE WHEN cc.subproject_category = 'school_based' THEN p.h ELSE 0 END) AS hs
    FROM per_cat p JOIN assessment_countycreditcategory cc ON cc.id = p.category_id
    GROUP BY p.teacher_id
),
rules AS (
    SELECT t.id AS teacher_id, t.school_id, t.county_id, CAST({rule_id} AS bigint) AS requirement_id,
        CAST({rule_label} AS varchar(120)) AS rule
    FROM {teachers} t JOIN trainees_teacher tt ON tt.id = t.id
),
gaps AS (
    SELECT r.teacher_id, SUM(CASE
        WHEN m.minimum > COALESCE(CASE WHEN q.unit = 'credits' THEN p.c ELSE p.h END, 0)
        THEN m.minimum - COALESCE(CASE WHEN q.unit = 'credits' THEN p.c ELSE p.h END, 0) ELSE 0 END) AS gap
    FROM rules r
    JOIN assessment_creditrequirement q ON q.id = r.requirement_id
    JOIN assessment_requirementminimum m ON m.requirement_id = q.id
    JOIN trainees_teacher tt ON tt.id = r.teacher_id
    LEFT JOIN per_cat p ON p.teacher_id = r.teacher_id AND p.category_id = m.category_id
    WHERE NOT ({minimum_exempt})
    GROUP BY r.teacher_id
),
measured AS (
    SELECT r.teacher_id, r.school_id, r.county_id, r.rule, q.id AS requirement_id, q.unit AS unit, q.total_hours AS required,
        ROUND(COALESCE(s.h, 0), 1) AS total, ROUND(COALESCE(s.c, 0), 2) AS credits,
        ROUND(COALESCE(s.hc, 0), 1) AS hc, ROUND(COALESCE(s.ho, 0), 1) AS ho, ROUND(COALESCE(s.hs, 0), 1) AS hs,
        COALESCE(g.gap, 0) AS gap
    FROM rules r
    LEFT JOIN totals s ON s.teacher_id = r.teacher_id
    LEFT JOIN assessment_creditrequirement q ON q.id = r.requirement_id
    LEFT JOIN gaps g ON g.teacher_id = r.teacher_id
),
assessed AS (
    SELECT m.*, CASE WHEN m.requirement_id IS NULL THEN 0
        WHEN m.required - (CASE WHEN m.unit = 'credits' THEN m.credits ELSE m.total END) > m.gap
            THEN m.required - (CASE WHEN m.unit = 'credits' THEN m.credits ELSE m.total END)
        ELSE m.gap END AS shortfall
    FROM measured m
)
INSERT INTO assessment_credittally AS old (teacher_id, year, county_id, school_id, centralized_hours, online_hours,
    school_based_hours, total_hours, credits, met, shortfall_hours, unit, requirement_total, rule, computed_at, locked)
SELECT teacher_id, %(year)s, county_id, school_id, hc, ho, hs, total, credits,
    shortfall <= 0, CASE WHEN shortfall > 0 THEN ROUND(shortfall, 1) ELSE 0 END,
    COALESCE(unit, 'hours'), required, rule, %(now)s, false
FROM assessed WHERE true
ON CONFLICT (teacher_id, year) DO UPDATE SET
    county_id = excluded.county_id, school_id = excluded.school_id,
    centralized_hours = excluded.centralized_hours, online_hours = excluded.online_hours,
    school_based_hours = excluded.school_based_hours, total_hours = excluded.total_hours,
    credits = excluded.credits, met = excluded.met, shortfall_hours = excluded.shortfall_hours,
    unit = excluded.unit, requirement_total = excluded.requirement_total, rule = excluded.rule, computed_at = excluded.computed_at
WHERE ({force} OR NOT old.locked) AND (old.county_id IS DISTINCT FROM excluded.county_id
    OR old.school_id IS DISTINCT FROM excluded.school_id
    OR old.centralized_hours IS DISTINCT FROM excluded.centralized_hours
    OR old.online_hours IS DISTINCT FROM excluded.online_hours
    OR old.school_based_hours IS DISTINCT FROM excluded.school_based_hours
    OR old.total_hours IS DISTINCT FROM excluded.total_hours
    OR old.credits IS DISTINCT FROM excluded.credits
    OR old.met IS DISTINCT FROM excluded.met
    OR old.shortfall_hours IS DISTINCT FROM excluded.shortfall_hours
    OR old.unit IS DISTINCT FROM excluded.unit
    OR old.requirement_total IS DISTINCT FROM excluded.requirement_total
    OR old.rule IS DISTINCT FROM excluded.rule)
"""


def run_constants(*, counties: list[Region], year: int) -> dict[str, Any]:
    """What every chunk of a run needs, for all its counties at once: their categories (made the first
    time), requirements and 送教上门 rules (a handful of queries, whatever the number of counties)."""
    from .credits import categories_ensure_many

    county_ids = [county.pk for county in counties]
    categories_ensure_many(counties=counties)
    requirements = applicable_requirements(counties=county_ids, year=year)
    home_visit = dict(
        CountyCreditSettings.objects.filter(county__in=county_ids, home_visit_category__isnull=False).values_list(
            "county_id", "home_visit_category_id"
        )
    )
    return {
        "year": year,
        "now": timezone.now(),
        "home_visit_category": home_visit,  # {county: category}, counties that recognise 送教上门
        "home_visit_hours": {},  # {county: {teacher: hours}}, read once per run when needed
        "requirements": requirements,
    }


def _home_visit_rows(cursor: Any, constants: dict[str, Any]) -> list[tuple]:
    """The chunk's 送教上门 ledger rows: each recognising county's visits, for its own teachers."""
    from specialed.selectors import teacher_visit_hours

    categories = constants["home_visit_category"]
    if not categories:
        return []
    year, cache = constants["year"], constants["home_visit_hours"]
    placeholders = ", ".join(["%s"] * len(categories))
    cursor.execute(f"SELECT id, county_id FROM {TEACHERS_TABLE} WHERE county_id IN ({placeholders})", list(categories))
    rows = []
    for teacher, county in cursor.fetchall():
        if county not in cache:
            cache[county] = teacher_visit_hours(year=year, county_id=county)
        hours = cache[county].get(teacher, ZERO)
        if hours > 0:
            rows.append((teacher, "home_visit", year, categories[county], "送教上门", hours))
    return rows


def _upsert_ledger(cursor: Any, *, earn: QuerySet, constants: dict[str, Any], bounds: tuple[int, int]) -> int:
    """Bring the chunk's ledger rows of the year in line with the records; returns the rows written."""
    from .credits import ATTENDED_TABLE

    # The work tables are emptied only when an earlier chunk of the run left rows in them.
    if constants.pop("others_filled", False):
        cursor.execute(f"DELETE FROM {OTHERS_TABLE}")
    rows = _home_visit_rows(cursor, constants)
    if rows:
        constants["others_filled"] = True
        cursor.executemany(
            f"INSERT INTO {OTHERS_TABLE} (teacher_id, source_kind, source_id, category_id, title, hours) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
    params: dict[str, Any] = {
        "year": constants["year"],
        "now": constants["now"],
        "lo": bounds[0],
        "hi": bounds[1],
        "recognised": SchoolProject.Status.RECOGNISED,
    }
    earn_sql = _named(*_sql(earn), "earn_", params)
    kinds = ", ".join(f"'{k}'" for k in REBUILT_KINDS)
    if constants.pop("diff_filled", False):
        cursor.execute(f"DELETE FROM {DIFF_TABLE}")
    cursor.execute(
        DIFF_SQL.format(
            earn=earn_sql,
            attended=ATTENDED_TABLE,
            teachers=TEACHERS_TABLE,
            others=OTHERS_TABLE,
            kinds=kinds,
            diff=DIFF_TABLE,
        ),
        params,
    )
    if not _rowcount(cursor):
        return 0
    constants["diff_filled"] = True
    written = 0
    for statement in (DELETE_STALE_SQL, UPDATE_CHANGED_SQL):
        cursor.execute(statement.format(diff=DIFF_TABLE), params)
        written += _rowcount(cursor)
    cursor.execute(INSERT_MISSING_SQL.format(diff=DIFF_TABLE), params)
    inserted = _rowcount(cursor)
    _keep_statistics(cursor, constants, inserted)
    return written + inserted


# A first rebuild fills the ledger chunk by chunk: past this many rows written since the last look, the
# table's statistics are checked, and refreshed when the rows written are a fifth of what it holds.
RESTAT_AFTER = 5_000


def _keep_statistics(cursor: Any, constants: dict[str, Any], inserted: int) -> None:
    """Fresh statistics for the ledger while a run fills it: planned over an empty table, the next
    chunk's anti-join would scan the whole ledger once per fresh row (a full-scale first run went
    from seconds to minutes). Autovacuum would do the same, but only after the run."""
    if connection.vendor != "postgresql":
        return
    constants["inserted"] = constants.get("inserted", 0) + inserted
    if constants["inserted"] < RESTAT_AFTER:
        return
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'assessment_creditentry'::regclass")
    estimate = max(cursor.fetchone()[0], 0)
    if constants["inserted"] > estimate / 5:
        cursor.execute("ANALYZE assessment_creditentry")
        constants["inserted"] = 0


def rebuild_chunk(
    *,
    teachers: QuerySet[Teacher],
    earn: QuerySet,
    constants: dict[str, Any],
    counties: Iterable[int] | None = None,
    force: bool = False,
) -> tuple[int, int]:
    """Rebuild the ledger rows and the tallies of `teachers` (of any of the run's counties); returns
    the ledger rows and the tally rows written. `earn` is the earning enrolments of the chunk's teachers
    (its bounds are added here).

    Teachers whose tally is locked (registration submitted or approved) keep their ledger rows; `force`
    (a correction) still recomputes their tally from the rows."""
    year = constants["year"]
    if not force:
        teachers = teachers.exclude(Exists(CreditTally.objects.filter(teacher=OuterRef("pk"), year=year, locked=True)))
    written = 0
    # One transaction per chunk: its ledger rows and its tallies change together, and the memory a
    # hash of a chunk's rows needs (a quarter of a million) is given for its statements only.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '64MB'")
        bounds = _fill_teachers(cursor, teachers)
        if bounds is None:
            return 0, 0
        _analyze(cursor, TEACHERS_TABLE)
        if not force:
            chunk_earn = earn.filter(teacher_id__gte=bounds[0], teacher_id__lte=bounds[1])
            written = _upsert_ledger(cursor, earn=chunk_earn, constants=constants, bounds=bounds)
        # Only the chunk's own counties' requirements: every CASE branch is evaluated per teacher.
        wanted = None if counties is None else set(counties)
        requirements = [r for r in constants["requirements"] if wanted is None or r.county_id in wanted]
        rule_id, rule_label, id_params, label_params = rule_case(requirements, year)
        minimum_exempt = minimum_exemption_sql(requirements=requirements, year=year)
        named = {k: constants[k] for k in ("year", "now")}
        named.update(lo=bounds[0], hi=bounds[1])
        rule_id_sql = _named(rule_id, tuple(id_params), "rid_", named)
        rule_label_sql = _named(rule_label, tuple(label_params), "rlabel_", named)
        exempt_sql = _named(minimum_exempt[0], tuple(minimum_exempt[1]), "mex_", named)
        sql = TALLY_SQL.format(
            teachers=TEACHERS_TABLE,
            rule_id=rule_id_sql,
            rule_label=rule_label_sql,
            minimum_exempt=exempt_sql,
            force="true" if force else "false",
        )
        cursor.execute(sql, named)
        return written, _rowcount(cursor)


# ---------------------------------------------------------------------------------------------
# Reads over the ledger (SQL aggregates)


def counted(qs: QuerySet[CreditEntry] | None = None) -> QuerySet[CreditEntry]:
    qs = CreditEntry.objects.all() if qs is None else qs
    return qs.filter(status=CreditEntry.Status.COUNTED)


def teacher_year_sums(*, teacher_ids: Iterable[int], year: int) -> dict[int, dict[int, dict[str, Decimal]]]:
    """{teacher: {category: {"hours", "credits"}}} for `year`, one GROUP BY."""
    out: dict[int, dict[int, dict[str, Decimal]]] = {}
    rows = (
        counted()
        .filter(teacher_id__in=list(teacher_ids), year=year)
        .values("teacher_id", "category_id")
        .annotate(hours=Sum("hours"), credits=Sum("credits"))
        .order_by()
    )
    for row in rows:
        # Quantized: SQLite returns a sum of decimals unrounded.
        out.setdefault(row["teacher_id"], {})[row["category_id"]] = {
            "hours": row["hours"].quantize(TENTH),
            "credits": row["credits"].quantize(HUNDREDTH),
        }
    return out
