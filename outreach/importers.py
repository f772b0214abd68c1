"""Online study hours exported by the external platform, one row per enrolled teacher."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.importing import (
    ERR_DUPLICATE_IN_FILE,
    CellError,
    Column,
    Importer,
    RowError,
    choice_parser,
    parse_date,
    parse_decimal,
    parse_id_text,
    parse_int,
    parse_text,
    register,
)
from core.scoping import ALL, is_county_level, scope_of
from programs.models import Enrolment, Program, Session, SubProject
from trainees.idcard import mask_id_number, normalize_id_number
from trainees.models import School, Teacher

from . import services
from .models import (
    DEFAULT_PHASES,
    Cycle,
    CycleTeamMember,
    OnlineStudy,
    Phase,
    PhaseTask,
    TeamPool,
    Visit,
    VisitActivity,
    VisitDay,
)

ERR_SUBPROJECT_UNKNOWN = "找不到该年度的项目和子项目"
ERR_NOT_ENROLLED = "该教师未报名此子项目"
ERR_NAME_MISMATCH = "姓名与身份证号对应的教师不符"
ERR_NEGATIVE = "不能为负数"
ERR_HOURS_TOO_LARGE = "在线学时不能超过 99999"


def parse_hours(value: Any) -> Decimal:
    hours = parse_decimal(value)
    if hours < 0:
        raise CellError(_(ERR_NEGATIVE))
    if hours > Decimal("99999"):
        raise CellError(_(ERR_HOURS_TOO_LARGE))
    return hours.quantize(Decimal("0.1"))


def parse_count(value: Any) -> int:
    number = parse_int(value)
    if number < 0:
        raise CellError(_(ERR_NEGATIVE))
    return number


@dataclass
class OnlineRow:
    row: int
    enrolment_id: int
    name: str
    id_number: str
    online_hours: Decimal
    tasks_done: int


@register
class OnlineHoursImporter(Importer):
    kind = "online_hours"
    title = _("网络研修学时导入")
    columns = (
        Column("年度", "year", required=True, parse=parse_int, field=Program.year),
        Column("项目名称", "program", required=True, parse=parse_text),
        Column("子项目名称", "subproject", required=True, parse=parse_text),
        Column("身份证号", "id_number", required=True, parse=parse_id_text, aliases=("身份证号码",), text=True),
        Column("姓名", "name", required=True, parse=parse_text, field=Teacher.name),
        Column("在线学时", "online_hours", required=True, parse=parse_hours, field=OnlineStudy.online_hours),
        Column("完成任务数", "tasks_done", required=True, parse=parse_count, field=OnlineStudy.tasks_done),
    )

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "OnlineHoursImporter":
        scope = scope_of(user)
        return cls(actor=user, county_id=None if scope.kind == ALL else scope.county_id)

    def prepare(self) -> None:
        county_id = self.options.get("county_id")
        enrolments = Enrolment.objects.filter(status__in=Enrolment.ACTIVE)
        if county_id is not None:
            enrolments = enrolments.filter(subproject__program__county_id=county_id)
        # One query: every active place keyed by (year, program, sub-project, 身份证号).
        self.places: dict[tuple[int, str, str, str], tuple[int, str]] = {}
        self.subprojects: set[tuple[int, str, str]] = set()
        for pk, year, program, subproject, number, name in enrolments.values_list(
            "pk",
            "subproject__program__year",
            "subproject__program__name",
            "subproject__name",
            "teacher__id_number",
            "teacher__name",
        ):
            self.places[(year, program, subproject, number)] = (pk, name)
            self.subprojects.add((year, program, subproject))
        self.seen: dict[int, int] = {}

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> OnlineRow | None:
        subproject_key = (values["year"], values["program"], values["subproject"])
        if subproject_key not in self.subprojects:
            errors.append(RowError(row, "子项目名称", _(ERR_SUBPROJECT_UNKNOWN)))
            return None
        number = normalize_id_number(values["id_number"])
        place = self.places.get((*subproject_key, number))
        if place is None:
            errors.append(RowError(row, "身份证号", _(ERR_NOT_ENROLLED)))
            return None
        enrolment_id, name = place
        if name != values["name"]:
            errors.append(RowError(row, "姓名", _(ERR_NAME_MISMATCH)))
            return None
        first = self.seen.setdefault(enrolment_id, row)
        if first != row:
            errors.append(RowError(row, "身份证号", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
            return None
        return OnlineRow(row, enrolment_id, name, number, values["online_hours"], values["tasks_done"])

    def plan(self, cleaned: list[OnlineRow]) -> tuple[int, int]:
        ids = [item.enrolment_id for item in cleaned]
        updated = OnlineStudy.objects.filter(enrolment_id__in=ids).count()
        return len(cleaned) - updated, updated

    def write(self, cleaned: list[OnlineRow]) -> tuple[int, int]:
        created, updated = self.plan(cleaned)
        now = timezone.now()
        OnlineStudy.objects.bulk_create(
            [
                OnlineStudy(
                    enrolment_id=item.enrolment_id,
                    online_hours=item.online_hours,
                    tasks_done=item.tasks_done,
                    imported_at=now,
                )
                for item in cleaned
            ],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["enrolment"],
            update_fields=["online_hours", "tasks_done", "imported_at"],
        )
        return created, updated

    def preview_row(self, item: OnlineRow) -> dict[str, Any]:
        return {
            "姓名": item.name,
            "身份证号": mask_id_number(item.id_number),
            "在线学时": item.online_hours,
            "完成任务数": item.tasks_done,
        }


# 送教 records as counties keep them: one row per activity of a visit day.

ERR_PROGRAM_UNKNOWN = "找不到 {year} 年度的项目“{name}”"
ERR_PROGRAM_AMBIGUOUS = "{year} 年度有多个名为“{name}”的项目（不同县区），请在命令中指定 --county"
ERR_SUBPROJECT_MISSING = "项目中没有名为“{name}”的子项目"
ERR_NOT_OUTREACH_KIND = "子项目“{name}”的类型是“{kind}”，不是送教下乡"
ERR_PHASE_UNKNOWN = "阶段“{name}”不是本周期的阶段，可选：{allowed}"
ERR_DATE_OUTSIDE = "日期不在子项目起止日期（{start} 至 {end}）内"
ERR_DATE_YEAR = "日期不在 {year} 年度内"
ERR_SCHOOL_UNKNOWN = "本县区没有名称或代码为“{name}”的学校"
ERR_PRESENTER_NOT_IN_POOL = "该身份证号不在本县区的培训团队库中"
ERR_PRESENTER_REQUIRED = "除研讨外，请填写主讲人身份证号"
ERR_NUMBER_RANGE = "送教次序应为 1 至 99 的整数"
ERR_YEAR_RANGE = "年度应在 2000 至 2100 之间"
ERR_ACTIVITY_HOURS = "学时应在 0 至 99.9 之间，最多一位小数"
ERR_DAY_HOURS = "同一天的学时合计不能超过 999.9"
ERR_SUBJECT_MISMATCH = "与本周期的{what}“{value}”不一致"
ERR_VISIT_PHASE_MISMATCH = "同一送教次序的阶段应相同（第 {row} 行为“{phase}”）"
ERR_DAY_SCHOOL_MISMATCH = "同一天的送教学校应相同（第 {row} 行为“{school}”）"
ERR_DATE_TWO_VISITS = "同一日期不能属于两次送教（第 {row} 行为第 {number} 次）"
ERR_DATE_OTHER_VISIT = "该日期已是本周期第 {number} 次送教的送教日"
ERR_DATE_TAKEN = "子项目在该日期已有其他培训活动"
ERR_PHASE_ORDER = "日期与阶段顺序不符：“{phase}”应在前面阶段的最后日期之后、后面阶段的最早日期之前"

DAY_START, DAY_END = dt.time(8, 30), dt.time(16, 30)
MAX_ACTIVITY_HOURS = Decimal("99.9")
MAX_DAY_HOURS = Decimal("999.9")
# Who presents what, when the import has to put a pool member on the cycle's team.
ROLE_FOR_KIND = {
    VisitActivity.Kind.DEMO_LESSON: CycleTeamMember.Role.DEMO_TEACHER,
    VisitActivity.Kind.SAME_LESSON: CycleTeamMember.Role.DEMO_TEACHER,
    VisitActivity.Kind.LESSON_TALK: CycleTeamMember.Role.DEMO_TEACHER,
}


def parse_visit_number(value: Any) -> int:
    try:
        number = parse_int(value)
    except CellError as exc:
        raise CellError(_(ERR_NUMBER_RANGE)) from exc
    if not 1 <= number <= 99:
        raise CellError(_(ERR_NUMBER_RANGE))
    return number


def parse_year(value: Any) -> int:
    year = parse_int(value)
    if not 2000 <= year <= 2100:
        raise CellError(_(ERR_YEAR_RANGE))
    return year


def parse_activity_hours(value: Any) -> Decimal:
    hours = parse_decimal(value)
    if (
        not hours.is_finite()
        or not Decimal(0) <= hours <= MAX_ACTIVITY_HOURS
        or hours != hours.quantize(Decimal("0.1"))
    ):
        raise CellError(_(ERR_ACTIVITY_HOURS))
    return hours.quantize(Decimal("0.1"))


@dataclass
class VisitRow:
    row: int
    subproject: SubProject
    subject: str
    stage: str
    phase: str
    number: int
    date: dt.date
    school: School
    kind: str
    title: str
    presenter: TeamPool | None
    hours: Decimal


@dataclass
class _Target:
    """What the database already holds for one 送教下乡 sub-project."""

    subproject: SubProject
    cycle: Cycle | None
    phases: dict[str, Phase]
    visits: dict[int, Visit]
    # date → (visit number or None when the session is not a visit day, the session's VisitDay or None)
    dates: dict[dt.date, tuple[int | None, VisitDay | None]]
    tasks: dict[int, list[dt.date]]  # phase order → due dates


@register
class OutreachVisitImporter(Importer):
    kind = "outreach_visits"
    title = gettext_lazy("送教下乡记录导入")
    columns = (
        Column("年度", "year", required=True, parse=parse_year),
        Column("项目名称", "program", required=True, parse=parse_text),
        Column("子项目名称", "subproject", required=True, parse=parse_text),
        Column("学科", "subject", required=True, parse=parse_text, field=Cycle.subject),
        Column("学段", "stage", parse=parse_text, field=Cycle.stage),
        Column("阶段", "phase", required=True, parse=parse_text, field=Phase.name),
        Column("送教次序", "number", required=True, parse=parse_visit_number),
        Column("日期", "date", required=True, parse=parse_date),
        Column("送教学校", "school", required=True, parse=parse_text),
        Column("活动类型", "kind", required=True, parse=choice_parser(VisitActivity.Kind, label="活动类型")),
        Column("活动主题", "title", required=True, parse=parse_text, field=VisitActivity.title),
        Column("主讲人身份证号", "presenter", parse=lambda v: normalize_id_number(parse_id_text(v)), text=True),
        Column("学时", "hours", required=True, parse=parse_activity_hours),
    )

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "OutreachVisitImporter":
        scope = scope_of(user)
        return cls(actor=user, county_id=None if scope.kind == ALL else scope.county_id)

    def prepare(self) -> None:
        self.county_id = self.options.get("county_id")
        self.programs: dict[tuple[int, str], list[Program]] = {}
        self.subprojects: dict[tuple[int, str], SubProject | None] = {}
        self.targets: dict[int, _Target] = {}
        self.pools: dict[int, dict[str, TeamPool]] = {}
        self.schools: dict[int, dict[str, School]] = {}
        self.seen: dict[tuple[Any, ...], int] = {}

    def _program(self, year: int, name: str) -> list[Program]:
        key = (year, name)
        if key not in self.programs:
            qs = Program.objects.filter(year=year, name=name)
            if self.county_id is not None:
                qs = qs.filter(county_id=self.county_id)
            self.programs[key] = list(qs)
        return self.programs[key]

    def _subproject(self, program: Program, name: str) -> SubProject | None:
        key = (program.pk, name)
        if key not in self.subprojects:
            self.subprojects[key] = (
                SubProject.objects.filter(program=program, name=name).select_related("program").first()
            )
        return self.subprojects[key]

    def _target(self, subproject: SubProject) -> _Target:
        if subproject.pk not in self.targets:
            cycle = Cycle.objects.filter(subproject=subproject).first()
            phases = {p.name: p for p in cycle.phases.all()} if cycle else {}
            visits = {v.number: v for v in cycle.visits.all()} if cycle else {}
            dates: dict[dt.date, tuple[int | None, VisitDay | None]] = {}
            for session in Session.objects.filter(subproject=subproject).select_related("outreach_day__visit"):
                day = getattr(session, "outreach_day", None)
                dates[session.date] = (day.visit.number if day else None, day)
            tasks: dict[int, list[dt.date]] = {}
            if cycle:
                for order, due in PhaseTask.objects.filter(phase__cycle=cycle).values_list("phase__order", "due_date"):
                    tasks.setdefault(order, []).append(due)
            self.targets[subproject.pk] = _Target(subproject, cycle, phases, visits, dates, tasks)
        return self.targets[subproject.pk]

    def _pool(self, county_id: int) -> dict[str, TeamPool]:
        if county_id not in self.pools:
            members: dict[str, TeamPool] = {}
            for member in TeamPool.objects.filter(county_id=county_id, is_active=True).select_related("teacher"):
                for number in (member.id_number, member.teacher.id_number if member.teacher else ""):
                    if number:
                        members[number] = member
            self.pools[county_id] = members
        return self.pools[county_id]

    def _school(self, county_id: int, name: str) -> School | None:
        if county_id not in self.schools:
            found: dict[str, School] = {}
            for school in School.objects.filter(county_id=county_id):
                found[school.code] = school
                found[school.name] = school
            self.schools[county_id] = found
        return self.schools[county_id].get(name)

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> VisitRow | None:
        year = values["year"]
        programs = self._program(year, values["program"])
        if not programs:
            errors.append(RowError(row, "项目名称", _(ERR_PROGRAM_UNKNOWN).format(year=year, name=values["program"])))
            return None
        if len(programs) > 1:
            errors.append(RowError(row, "项目名称", _(ERR_PROGRAM_AMBIGUOUS).format(year=year, name=values["program"])))
            return None
        program = programs[0]
        subproject = self._subproject(program, values["subproject"])
        if subproject is None:
            errors.append(RowError(row, "子项目名称", _(ERR_SUBPROJECT_MISSING).format(name=values["subproject"])))
            return None
        if subproject.kind != SubProject.Kind.OUTREACH:
            message = _(ERR_NOT_OUTREACH_KIND).format(name=subproject.name, kind=subproject.get_kind_display())
            errors.append(RowError(row, "子项目名称", message))
            return None
        target = self._target(subproject)
        ok = True
        phase_names = list(target.phases) or list(DEFAULT_PHASES)
        if values["phase"] not in phase_names:
            message = _(ERR_PHASE_UNKNOWN).format(name=values["phase"], allowed="、".join(phase_names))
            errors.append(RowError(row, "阶段", message))
            ok = False
        date = values["date"]
        start, end = subproject.start_date, subproject.end_date
        if (start and date < start) or (end and date > end):
            message = _(ERR_DATE_OUTSIDE).format(start=start or "—", end=end or "—")
            errors.append(RowError(row, "日期", message))
            ok = False
        elif date.year != year and not (start or end):
            errors.append(RowError(row, "日期", _(ERR_DATE_YEAR).format(year=year)))
            ok = False
        school = self._school(program.county_id, values["school"])
        if school is None:
            errors.append(RowError(row, "送教学校", _(ERR_SCHOOL_UNKNOWN).format(name=values["school"])))
            ok = False
        presenter = None
        if values.get("presenter"):
            presenter = self._pool(program.county_id).get(values["presenter"])
            if presenter is None:
                errors.append(RowError(row, "主讲人身份证号", _(ERR_PRESENTER_NOT_IN_POOL)))
                ok = False
        elif values["kind"] not in VisitActivity.WITHOUT_PRESENTER:
            errors.append(RowError(row, "主讲人身份证号", _(ERR_PRESENTER_REQUIRED)))
            ok = False
        if not ok:
            return None
        key = (subproject.pk, values["number"], date, values["kind"], values["title"])
        first = self.seen.setdefault(key, row)
        if first != row:
            errors.append(RowError(row, "活动主题", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
            return None
        return VisitRow(
            row=row,
            subproject=subproject,
            subject=values["subject"],
            stage=values.get("stage") or "",
            phase=values["phase"],
            number=values["number"],
            date=date,
            school=school,
            kind=values["kind"],
            title=values["title"],
            presenter=presenter,
            hours=values["hours"],
        )

    def finish(self, cleaned: list[VisitRow], errors: list[RowError]) -> None:
        """Rows must agree with each other and with what the cycle holds: one 学科 per cycle, one 阶段 per
        visit, one school and one visit per date, dates free in the sub-project, phases in date order."""
        first_of_cycle: dict[int, VisitRow] = {}
        first_of_visit: dict[tuple[int, int], VisitRow] = {}
        first_of_date: dict[tuple[int, dt.date], VisitRow] = {}
        for item in cleaned:
            target = self.targets[item.subproject.pk]
            head = first_of_cycle.setdefault(item.subproject.pk, item)
            cycle = target.cycle
            for column, what, mine, theirs in (
                ("学科", "学科", item.subject, cycle.subject if cycle else head.subject),
                ("学段", "学段", item.stage, cycle.stage if cycle else head.stage),
            ):
                if mine != theirs:
                    message = _(ERR_SUBJECT_MISMATCH).format(what=what, value=theirs or "（空）")
                    errors.append(RowError(item.row, column, message))
            visit_head = first_of_visit.setdefault((item.subproject.pk, item.number), item)
            if visit_head.phase != item.phase:
                message = _(ERR_VISIT_PHASE_MISMATCH).format(row=visit_head.row, phase=visit_head.phase)
                errors.append(RowError(item.row, "阶段", message))
            date_head = first_of_date.setdefault((item.subproject.pk, item.date), item)
            if date_head.number != item.number:
                message = _(ERR_DATE_TWO_VISITS).format(row=date_head.row, number=date_head.number)
                errors.append(RowError(item.row, "送教次序", message))
            elif date_head.school != item.school:
                message = _(ERR_DAY_SCHOOL_MISMATCH).format(row=date_head.row, school=date_head.school.name)
                errors.append(RowError(item.row, "送教学校", message))
            taken = target.dates.get(item.date)
            if taken is not None and taken[0] is None:
                errors.append(RowError(item.row, "日期", _(ERR_DATE_TAKEN)))
            elif taken is not None and taken[0] != item.number:
                errors.append(RowError(item.row, "日期", _(ERR_DATE_OTHER_VISIT).format(number=taken[0])))
        self._check_phase_order(cleaned, first_of_visit, errors)
        self._load_existing(cleaned, errors)

    def _check_phase_order(
        self, cleaned: list[VisitRow], heads: dict[tuple[int, int], VisitRow], errors: list[RowError]
    ) -> None:
        """Each row's date against the dates of the other phases as they will be after the import."""
        for subproject_id, target in self.targets.items():
            order = {name: i for i, name in enumerate(list(target.phases) or list(DEFAULT_PHASES), 1)}
            if target.phases:
                order = {name: phase.order for name, phase in target.phases.items()}
            dates: dict[int, list[dt.date]] = {o: list(ds) for o, ds in target.tasks.items()}
            phase_of_visit = {n: next(p.order for p in target.phases.values() if p.pk == v.phase_id)
                              for n, v in target.visits.items()}  # fmt: skip
            for (sp, number), head in heads.items():
                if sp == subproject_id and head.phase in order:
                    phase_of_visit[number] = order[head.phase]
            for day_date, (number, _day) in target.dates.items():
                if number is not None and number in phase_of_visit:
                    dates.setdefault(phase_of_visit[number], []).append(day_date)
            rows = [item for item in cleaned if item.subproject.pk == subproject_id and item.phase in order]
            for item in rows:
                dates.setdefault(order[item.phase], []).append(item.date)
            for item in rows:
                mine = order[item.phase]
                before = [d for o, ds in dates.items() if o < mine for d in ds]
                after = [d for o, ds in dates.items() if o > mine for d in ds]
                if (before and item.date < max(before)) or (after and item.date > min(after)):
                    errors.append(RowError(item.row, "日期", _(ERR_PHASE_ORDER).format(phase=item.phase)))

    def _load_existing(self, cleaned: list[VisitRow], errors: list[RowError]) -> None:
        day_ids = {
            day.pk
            for item in cleaned
            if (day := self.targets[item.subproject.pk].dates.get(item.date, (None, None))[1]) is not None
        }
        self.existing: dict[tuple[int, str, str], Decimal] = {
            (day_id, kind, title): hours
            for day_id, kind, title, hours in VisitActivity.objects.filter(day_id__in=day_ids).values_list(
                "day_id", "kind", "title", "hours"
            )
        }
        totals: dict[tuple[int, dt.date], Decimal] = {}
        replaced: set[tuple[int, str, str]] = set()
        for item in cleaned:
            totals[(item.subproject.pk, item.date)] = (
                totals.get((item.subproject.pk, item.date), Decimal(0)) + item.hours
            )
            day = self._day_of(item)
            if day is not None:
                replaced.add((day.pk, item.kind, item.title))
        for (day_id, kind, title), hours in self.existing.items():
            if (day_id, kind, title) not in replaced:
                for item in cleaned:
                    day = self._day_of(item)
                    if day is not None and day.pk == day_id:
                        totals[(item.subproject.pk, item.date)] += hours
                        break
        reported: set[tuple[int, dt.date]] = set()
        for item in cleaned:
            key = (item.subproject.pk, item.date)
            if totals[key] > MAX_DAY_HOURS and key not in reported:
                errors.append(RowError(item.row, "学时", _(ERR_DAY_HOURS)))
                reported.add(key)

    def _day_of(self, item: VisitRow) -> VisitDay | None:
        return self.targets[item.subproject.pk].dates.get(item.date, (None, None))[1]

    def plan(self, cleaned: list[VisitRow]) -> tuple[int, int]:
        updated = 0
        for item in cleaned:
            day = self._day_of(item)
            if day is not None and (day.pk, item.kind, item.title) in self.existing:
                updated += 1
        return len(cleaned) - updated, updated

    def write(self, cleaned: list[VisitRow]) -> tuple[int, int]:
        counts = self.plan(cleaned)
        by_subproject: dict[int, list[VisitRow]] = defaultdict(list)
        for item in cleaned:
            by_subproject[item.subproject.pk].append(item)
        for items in by_subproject.values():
            self._write_cycle(items)
        return counts

    def _write_cycle(self, items: list[VisitRow]) -> None:
        head = items[0]
        cycle = Cycle.objects.filter(subproject=head.subproject).first()
        if cycle is None:
            cycle = services.cycle_create(subproject=head.subproject, subject=head.subject, stage=head.stage)
        phases = {p.name: p for p in cycle.phases.all()}
        visits = {v.number: v for v in cycle.visits.all()}
        team = {m.member_id: m for m in cycle.team.all()}
        by_visit: dict[int, list[VisitRow]] = defaultdict(list)
        for item in items:
            by_visit[item.number].append(item)
        # Phases move first, so every visit created below meets a database already in phase order.
        for number, rows in by_visit.items():
            visit = visits.get(number)
            if visit is not None and visit.phase_id != phases[rows[0].phase].pk:
                visit.phase = phases[rows[0].phase]
                visit.save(update_fields=["phase"])
        for number, rows in sorted(by_visit.items(), key=lambda kv: min(r.date for r in kv[1])):
            visit = visits.get(number)
            days = {d.session.date: d for d in visit.days.select_related("session")} if visit else {}
            for date in sorted({r.date for r in rows}):
                school = next(r.school for r in rows if r.date == date)
                if visit is None:
                    visit = services.visit_create(
                        phase=phases[rows[0].phase], date=date, start_time=DAY_START, end_time=DAY_END,
                        host_school=school, number=number,
                    )  # fmt: skip
                    days = {d.session.date: d for d in visit.days.select_related("session")}
                elif date not in days:
                    days[date] = services.visit_day_add(
                        visit=visit, date=date, start_time=DAY_START, end_time=DAY_END, host_school=school
                    )
                elif days[date].session.host_school_id != school.pk:
                    session = days[date].session
                    session.host_school, session.place = school, school.name
                    session.save(update_fields=["host_school", "place"])
            for item in rows:
                presenter = None
                if item.presenter is not None:
                    presenter = team.get(item.presenter.pk)
                    if presenter is None:
                        role = ROLE_FOR_KIND.get(item.kind, CycleTeamMember.Role.LECTURER)
                        presenter = services.team_member_add(cycle=cycle, member=item.presenter, role=role)
                        team[item.presenter.pk] = presenter
                day = days[item.date]
                activity = VisitActivity.objects.filter(day=day, kind=item.kind, title=item.title).first()
                if activity is None:
                    services.activity_add(
                        day=day, kind=item.kind, title=item.title, presenter=presenter, hours=item.hours
                    )
                else:
                    services.activity_update(activity=activity, presenter=presenter, hours=item.hours)
            for day in days.values():
                services.visit_day_hours_from_activities(day=day)

    def preview_row(self, item: VisitRow) -> dict[str, Any]:
        return {
            "子项目": item.subproject.name,
            "送教次序": item.number,
            "日期": f"{item.date:%Y-%m-%d}",
            "阶段": item.phase,
            "送教学校": item.school.name,
            "活动类型": VisitActivity.Kind(item.kind).label,
            "活动主题": item.title,
            "主讲人": item.presenter.name if item.presenter else "",
            "学时": item.hours,
        }
