"""Importers for programs (one row per sub-project) and enrolments, on core.importing's rules."""

import operator
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core import pgcopy
from core.importing import (
    ERR_DUPLICATE_IN_FILE,
    ERR_REQUIRED,
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
    uses_copy,
)
from core.scoping import ALL, is_admin, is_county_level, scope_of
from trainees.idcard import mask_id_number, parse_id_number
from trainees.models import Region, Teacher

from . import import_notices
from .models import Category, CreditCategory, Enrolment, Level, Notice, PendingNotices, Program, SubProject
from .services import ERR_SUBPROJECT_FULL, history_context, notice_build, notify, overlap_message

ERR_CATEGORY_UNKNOWN = "类别“{value}”不存在（管理员可在“项目类别”中添加，或使用 --create-categories）"
ERR_COUNTY_UNKNOWN = "找不到县区“{value}”"
ERR_COUNTY_AMBIGUOUS = "县区名称“{value}”不唯一"
ERR_COUNTY_OUT_OF_SCOPE = "只能导入本县区的项目"
ERR_YEAR_RANGE = "年度应在 2000 到 2100 之间"
ERR_DATES_ORDER = "结束日期早于开始日期"
ERR_NEGATIVE = "不能为负数"
ERR_PROGRAM_CONFLICT = "同一项目的{field}与第 {row} 行不一致"
ERR_SUBPROJECT_UNKNOWN = "找不到子项目“{year} {program} / {sub}”"
ERR_PROGRAM_AMBIGUOUS = "项目“{program}”在多个县区存在，请填写县区列"
ERR_TEACHER_UNKNOWN = "找不到身份证号为该号码的教师"
ERR_NAME_MISMATCH = "姓名与身份证号对应的教师（{name}）不符"
ERR_TEACHER_OTHER_COUNTY = "该教师不属于项目所在县区"
ERR_STATUS = "状态“{value}”无效，可选：已提名、已确认、已完成、已退出"

IMPORT_STATUSES = {
    "已提名": Enrolment.Status.NOMINATED,
    "已确认": Enrolment.Status.CONFIRMED,
    "已完成": Enrolment.Status.COMPLETED,
    "已退出": Enrolment.Status.WITHDRAWN,
}


def parse_import_status(value: Any) -> str:
    text = str(value).strip()
    if text in IMPORT_STATUSES:
        return IMPORT_STATUSES[text]
    if text in IMPORT_STATUSES.values():
        return text
    raise CellError(_(ERR_STATUS).format(value=text))


def parse_id(value: Any) -> str:
    # parse_id_number normalises a text itself; only a number needs parse_id_text's own message.
    return parse_id_number(value if value.__class__ is str else parse_id_text(value)).number


class CountyResolver:
    """County names to regions, within the importer's scope; a blank cell means the default county."""

    def __init__(self, *, limit: Region | None, default: Region | None) -> None:
        self.limit = limit
        self.default = default or limit
        counties = Region.objects.filter(level=Region.Level.COUNTY)
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        for county in counties:
            self.by_name[county.name].append(county)

    def resolve(self, name: str | None) -> Region:
        if not name:
            if self.default is None:
                raise CellError(_(ERR_REQUIRED))
            return self.default
        matches = self.by_name.get(name, [])
        if not matches:
            raise CellError(_(ERR_COUNTY_UNKNOWN).format(value=name))
        if len(matches) > 1:
            if self.limit is not None and self.limit in matches:
                return self.limit
            raise CellError(_(ERR_COUNTY_AMBIGUOUS).format(value=name))
        if self.limit is not None and matches[0].pk != self.limit.pk:
            raise CellError(_(ERR_COUNTY_OUT_OF_SCOPE))
        return matches[0]


def _county_of(user: Any) -> Region | None:
    scope = scope_of(user)
    return None if scope.kind == ALL else Region.objects.filter(pk=scope.county_id).first()


# Programs ----------------------------------------------------------------------------------------


@dataclass
class ProgramRow:
    row: int
    year: int
    level: str
    category: str
    program: str
    county: Region
    subproject: str
    fields: dict[str, Any]


SUBPROJECT_KEYS = ("kind", "institution", "modality", "start_date", "end_date", "hours", "credit_category", "quota")


@register
class ProgramImporter(Importer):
    kind = "programs"
    title = _("培训项目导入")
    columns = (
        Column("年度", "year", required=True, parse=parse_int, field=Program.year, example=2026),
        Column("级别", "level", required=True, parse=choice_parser(Level, label="级别")),
        Column("类别", "category", required=True, parse=parse_text, field=Category.name),
        Column("项目名称", "program", required=True, parse=parse_text, field=Program.name),
        Column("子项目名称", "subproject", required=True, parse=parse_text, field=SubProject.name),
        Column("子项目类型", "kind", parse=choice_parser(SubProject.Kind, label="子项目类型")),
        Column("承办机构", "institution", parse=parse_text, field=SubProject.institution),
        Column("形式", "modality", parse=choice_parser(SubProject.Modality, label="形式")),
        Column("开始日期", "start_date", parse=parse_date),
        Column("结束日期", "end_date", parse=parse_date),
        Column("学时", "hours", parse=parse_decimal, field=SubProject.hours),
        Column("学分类别", "credit_category", parse=choice_parser(CreditCategory, label="学分类别")),
        Column("名额", "quota", parse=parse_int, field=SubProject.quota),
        Column("县区", "county", parse=parse_text),
    )
    batch_size = 2000

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "ProgramImporter":
        # In the browser only administrators may add categories, as on the category page.
        return cls(actor=user, county=_county_of(user), create_categories=is_admin(user))

    def prepare(self) -> None:
        self.counties = CountyResolver(limit=self.options.get("county"), default=self.options.get("default_county"))
        self.create_categories = bool(self.options.get("create_categories"))
        self.categories = {c.name: c for c in Category.objects.all()}
        self.seen_subprojects: dict[tuple, int] = {}
        self.program_first: dict[tuple, ProgramRow] = {}

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> ProgramRow | None:
        ok = True
        try:
            county = self.counties.resolve(values.get("county"))
        except CellError as exc:
            errors.append(RowError(row, "县区", str(exc)))
            return None
        if not 2000 <= values["year"] <= 2100:
            errors.append(RowError(row, "年度", _(ERR_YEAR_RANGE)))
            ok = False
        if values["category"] not in self.categories and not self.create_categories:
            errors.append(RowError(row, "类别", _(ERR_CATEGORY_UNKNOWN).format(value=values["category"])))
            ok = False
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            errors.append(RowError(row, "结束日期", _(ERR_DATES_ORDER)))
            ok = False
        for key, header in (("hours", "学时"), ("quota", "名额")):
            if values.get(key) is not None and values[key] < 0:
                errors.append(RowError(row, header, _(ERR_NEGATIVE)))
                ok = False
        item = ProgramRow(
            row=row,
            year=values["year"],
            level=values["level"],
            category=values["category"],
            program=values["program"],
            county=county,
            subproject=values["subproject"],
            fields={k: values[k] for k in SUBPROJECT_KEYS if values.get(k) is not None},
        )
        program_key = (item.year, item.program, county.pk)
        first = self.program_first.setdefault(program_key, item)
        for attr, label in (("level", "级别"), ("category", "类别")):
            if getattr(first, attr) != getattr(item, attr):
                errors.append(RowError(row, label, _(ERR_PROGRAM_CONFLICT).format(field=label, row=first.row)))
                ok = False
        first_row = self.seen_subprojects.setdefault((*program_key, item.subproject), row)
        if first_row != row:
            errors.append(RowError(row, "子项目名称", _(ERR_DUPLICATE_IN_FILE).format(row=first_row)))
            ok = False
        return item if ok else None

    def finish(self, cleaned: list[ProgramRow], errors: list[RowError]) -> None:
        keys = {(i.year, i.program, i.county.pk) for i in cleaned}
        years = {k[0] for k in keys}
        self.programs: dict[tuple, Program] = {
            (p.year, p.name, p.county_id): p
            for p in Program.objects.filter(year__in=years, name__in={k[1] for k in keys})
            if (p.year, p.name, p.county_id) in keys
        }
        self.subprojects: dict[tuple, SubProject] = {
            (s.program_id, s.name): s
            for s in SubProject.objects.filter(program__in=list(self.programs.values())).select_related("program")
        }
        # A re-import may touch only some columns; the stored dates must still come out in order.
        for item in cleaned:
            program = self.programs.get((item.year, item.program, item.county.pk))
            existing = self.subprojects.get((program.pk, item.subproject)) if program else None
            if existing is None:
                continue
            start = item.fields.get("start_date", existing.start_date)
            end = item.fields.get("end_date", existing.end_date)
            if start and end and end < start:
                errors.append(RowError(item.row, "结束日期", _(ERR_DATES_ORDER)))

    def plan(self, cleaned: list[ProgramRow]) -> tuple[int, int]:
        updated = 0
        for item in cleaned:
            program = self.programs.get((item.year, item.program, item.county.pk))
            updated += bool(program and (program.pk, item.subproject) in self.subprojects)
        return len(cleaned) - updated, updated

    def write(self, cleaned: list[ProgramRow]) -> tuple[int, int]:
        for name in {i.category for i in cleaned} - set(self.categories):
            self.categories[name] = Category.objects.create(name=name)
        new_programs: list[Program] = []
        changed_programs: list[Program] = []
        by_program: dict[tuple, ProgramRow] = {}
        for item in cleaned:
            by_program.setdefault((item.year, item.program, item.county.pk), item)
        for key, item in by_program.items():
            category = self.categories[item.category]
            program = self.programs.get(key)
            if program is None:
                program = Program(
                    county=item.county, year=item.year, level=item.level, category=category, name=item.program
                )
                new_programs.append(program)
                self.programs[key] = program
            elif (program.level, program.category_id) != (item.level, category.pk):
                program.level, program.category = item.level, category
                changed_programs.append(program)
        Program.objects.bulk_create(new_programs, batch_size=self.batch_size)
        Program.objects.bulk_update(changed_programs, ["level", "category"], batch_size=self.batch_size)
        new: list[SubProject] = []
        changed: dict[tuple[str, ...], list[SubProject]] = defaultdict(list)
        for item in cleaned:
            program = self.programs[(item.year, item.program, item.county.pk)]
            sub = self.subprojects.get((program.pk, item.subproject))
            if sub is None:
                new.append(SubProject(program=program, name=item.subproject, **item.fields))
                continue
            for key, value in item.fields.items():
                setattr(sub, key, value)
            if item.fields:
                changed[tuple(sorted(item.fields))].append(sub)
        SubProject.objects.bulk_create(new, batch_size=self.batch_size)
        for fields, subs in changed.items():
            SubProject.objects.bulk_update(subs, list(fields), batch_size=self.batch_size)
        return len(new), len(cleaned) - len(new)

    def preview_row(self, item: ProgramRow) -> dict[str, Any]:
        return {"年度": item.year, "项目名称": item.program, "子项目名称": item.subproject, "县区": item.county.name}


# Enrolments --------------------------------------------------------------------------------------


@dataclass(slots=True)
class EnrolmentRow:
    row: int
    subproject: SubProject
    teacher_id: int
    school_id: int
    status: str
    id_number: str


@dataclass
class _TeacherInfo:
    pk: int
    name: str
    school_id: int
    county_id: int


@register
class EnrolmentImporter(Importer):
    kind = "enrolments"
    title = _("报名名单导入")
    columns = (
        Column("年度", "year", required=True, parse=parse_int),
        Column("项目名称", "program", required=True, parse=parse_text),
        Column("子项目名称", "subproject", required=True, parse=parse_text),
        Column("身份证号", "id_number", required=True, parse=parse_id, aliases=("身份证号码",), text=True),
        Column("姓名", "name", parse=parse_text, field=Teacher.name),
        Column("状态", "status", parse=parse_import_status),
        Column("县区", "county", parse=parse_text),
    )
    batch_size = 2000
    chunk = 5000
    copy_threshold = 5000  # rows from which PostgreSQL writes go through COPY
    PRELOAD_MAX = 200_000  # sub-projects or teachers in scope loaded up front (see `prepare`)

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "EnrolmentImporter":
        return cls(actor=user, county=_county_of(user))

    def prepare(self) -> None:
        self.county_limit: Region | None = self.options.get("county")
        self.counties = CountyResolver(limit=self.county_limit, default=None)
        subs = SubProject.objects.select_related("program")
        teachers = Teacher.objects.values_list("pk", "id_number", "name", "school_id", "school__county_id")
        if self.county_limit is not None:
            subs = subs.filter(program__county=self.county_limit)
            teachers = teachers.filter(school__county=self.county_limit)
        self.subs: dict[tuple, list[SubProject]] = defaultdict(list)
        self.teachers: dict[str, _TeacherInfo] = {}
        # A county's registry is loaded up front (a few queries, and registered numbers need no
        # decoding). Beyond PRELOAD_MAX (a province-wide run over a million teachers) each block reads
        # only the sub-projects and teachers its rows name, so memory follows the file, not the province.
        self._subs_by_block = subs if subs.count() > self.PRELOAD_MAX else None
        self._teachers_by_block = teachers if teachers.count() > self.PRELOAD_MAX else None
        self._subs_asked: set[tuple] = set()
        self._numbers_asked: set[str] = set()
        self._undecoded: dict[str, str] = {}
        if self._subs_by_block is None:
            for sub in subs:
                self.subs[(sub.program.year, sub.program.name, sub.name)].append(sub)
        if self._teachers_by_block is None:
            self.teachers = {r[1]: _TeacherInfo(r[0], r[2], r[3], r[4]) for r in teachers.iterator(2000)}
        self.seen: dict[tuple[int, int], int] = {}
        # (年度, 项目, 子项目, 县区) -> (sub-project, its county id), or the message why none
        self._resolved: dict[tuple, tuple[SubProject, int] | str] = {}
        self.columns = tuple(
            replace(column, parse=self._parse_id) if column.key == "id_number" else column
            for column in type(self).columns
        )

    def _load_block(self, keys: list[tuple], numbers: list[Any]) -> None:
        """Read what a block names and was not read yet (only beyond PRELOAD_MAX, see `prepare`)."""
        if self._subs_by_block is not None:
            wanted = {key[:3] for key in keys if key not in self._resolved} - self._subs_asked
            if wanted:
                found = self._subs_by_block.filter(
                    program__year__in={w[0] for w in wanted},
                    program__name__in={w[1] for w in wanted},
                    name__in={w[2] for w in wanted},
                )
                for sub in found:
                    key = (sub.program.year, sub.program.name, sub.name)
                    if key in wanted:
                        self.subs[key].append(sub)
                self._subs_asked |= wanted
        if self._teachers_by_block is not None:
            asked = self._numbers_asked
            missing = sorted({n for n in numbers if n.__class__ is str and n not in asked})
            for start in range(0, len(missing), 2000):
                chunk = missing[start : start + 2000]
                for r in self._teachers_by_block.filter(id_number__in=chunk):
                    self.teachers[r[1]] = _TeacherInfo(r[0], r[2], r[3], r[4])
                asked.update(chunk)

    def _subproject(self, values: dict[str, Any]) -> SubProject:
        matches = self.subs.get((values["year"], values["program"], values["subproject"]), [])
        if values.get("county"):
            county = self.counties.resolve(values["county"])
            matches = [s for s in matches if s.program.county_id == county.pk]
        if not matches:
            raise CellError(
                _(ERR_SUBPROJECT_UNKNOWN).format(
                    year=values["year"], program=values["program"], sub=values["subproject"]
                )
            )
        if len(matches) > 1:
            raise CellError(_(ERR_PROGRAM_AMBIGUOUS).format(program=values["program"]))
        return matches[0]

    def _parse_id(self, value: Any) -> str:
        """The 身份证号 column's parser for this import: a registered teacher's number was checked when
        the teacher was stored, so only the others are decoded (for their message, or ERR_TEACHER_UNKNOWN
        in the row rules when well-formed)."""
        if value.__class__ is str:
            text = value.strip().upper().replace(" ", "")
            if text in self.teachers:
                return text
            try:
                return parse_id_number(text).number
            except ValidationError as exc:
                if self._teachers_by_block is None:
                    raise
                # Read block by block, a registered number (a passport's, say) is known only once its
                # block is read: the message waits for the row rules, which give it if none matches.
                self._undecoded[text] = exc.messages[0]
                return text
        return parse_id(value)

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> EnrolmentRow | None:
        return self.clean_columns({key: [value] for key, value in values.items()}, [row], errors)[0]

    def clean_columns(self, columns: dict[str, list[Any]], rows: list[int], errors: list[RowError]) -> list[Any]:
        """The row rules over a block of rows whose cells all parsed, a row at a time but without a
        dictionary per row; each distinct (年度, 项目, 子项目, 县区) is resolved once per import."""
        blank = [None] * len(rows)
        keys = list(
            zip(columns["year"], columns["program"], columns["subproject"], columns.get("county", blank), strict=True)
        )
        resolved = self._resolved
        self._load_block(keys, columns["id_number"])
        for key in set(keys):
            if key not in resolved:
                year, program, sub_name, county = key
                try:
                    sub = self._subproject({"year": year, "program": program, "subproject": sub_name, "county": county})
                except CellError as exc:
                    resolved[key] = str(exc)
                else:
                    resolved[key] = (sub, sub.program.county_id)
        teachers, seen, out = self.teachers, self.seen, []
        confirmed = Enrolment.Status.CONFIRMED
        for row, key, number, name, status in zip(
            rows, keys, columns["id_number"], columns.get("name", blank), columns.get("status", blank), strict=True
        ):
            found = resolved[key]
            ok = found.__class__ is not str
            if not ok:
                errors.append(RowError(row, "子项目名称", found))
            teacher = teachers.get(number)
            if teacher is None:
                undecoded = self._undecoded.get(number)
                if undecoded is not None:
                    errors.append(RowError(row, "身份证号", undecoded, value=number))
                else:
                    errors.append(RowError(row, "身份证号", _(ERR_TEACHER_UNKNOWN)))
                out.append(None)
                continue
            if name and name != teacher.name:
                errors.append(RowError(row, "姓名", _(ERR_NAME_MISMATCH).format(name=teacher.name)))
                ok = False
            if found.__class__ is str:
                out.append(None)
                continue
            sub, county_id = found
            if teacher.county_id != county_id:
                errors.append(RowError(row, "身份证号", _(ERR_TEACHER_OTHER_COUNTY)))
                ok = False
            first = seen.setdefault((sub.id, teacher.pk), row)
            if first != row:
                errors.append(RowError(row, "身份证号", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
                ok = False
            out.append(
                EnrolmentRow(row, sub, teacher.pk, teacher.school_id, status or confirmed, number) if ok else None
            )
        return out

    def finish(self, cleaned: list[EnrolmentRow], errors: list[RowError]) -> None:
        self._load_existing(cleaned)
        self._check_quotas(cleaned, errors)
        self._check_overlaps(cleaned, errors)

    def _load_existing(self, cleaned: list[EnrolmentRow]) -> None:
        """Each (sub-project, teacher) pair's current record: its active one, else its latest."""
        sub_ids = sorted({i.subproject.id for i in cleaned})
        self.existing: dict[tuple[int, int], tuple[int, str]] = {}
        # Active places per sub-project (for quotas), over every teacher, not only the file's.
        self.active_by_sub: dict[int, set[int]] = defaultdict(set)
        for start in range(0, len(sub_ids), 500):
            rows = Enrolment.objects.filter(subproject_id__in=sub_ids[start : start + 500]).values_list(
                "pk", "subproject_id", "teacher_id", "status"
            )
            for pk, sub_id, teacher_id, status in rows.order_by("pk").iterator(self.chunk):
                key = (sub_id, teacher_id)
                known = self.existing.get(key)
                if known is None or known[1] not in Enrolment.ACTIVE:
                    self.existing[key] = (pk, status)
                if status in Enrolment.ACTIVE:
                    self.active_by_sub[sub_id].add(teacher_id)

    def _check_quotas(self, cleaned: list[EnrolmentRow], errors: list[RowError]) -> None:
        """A sub-project's active places after the import may not exceed its quota (when it has one)."""
        rows_by_sub: dict[int, list[EnrolmentRow]] = defaultdict(list)
        for item in cleaned:
            if item.subproject.quota:
                rows_by_sub[item.subproject.id].append(item)
        for sub_id, items in rows_by_sub.items():
            quota = items[0].subproject.quota
            in_file = {i.teacher_id for i in items}
            taken = len(self.active_by_sub.get(sub_id, set()) - in_file)
            for item in items:
                taken += item.status in Enrolment.ACTIVE
                if taken > quota:
                    # Reported once, on the row that takes the first place beyond the quota.
                    errors.append(RowError(item.row, "子项目名称", _(ERR_SUBPROJECT_FULL).format(quota=quota)))
                    break

    def _check_overlaps(self, cleaned: list[EnrolmentRow], errors: list[RowError]) -> None:
        """Face-to-face dates of a teacher's active enrolments after the import may not overlap."""

        # Decided once per sub-project, not once per row.
        dated = {
            sub.id: sub
            for sub in {id(i.subproject): i.subproject for i in cleaned}.values()
            if sub.modality in SubProject.FACE_TO_FACE and sub.start_date and sub.end_date
        }
        wanted = {i.teacher_id for i in cleaned if i.subproject.id in dated}
        if not wanted:
            return
        # teacher -> sub -> (start, end, sub, row or None); the file's rows override the database.
        by_teacher: dict[int, dict[int, tuple]] = defaultdict(dict)
        stored: dict[int, tuple] = {}  # sub-project id -> (start, end, sub, None), one instance each
        # The stored places that could overlap one of the file's: within the file's dates, of teachers
        # of the sub-projects' counties (a row's teacher is of its sub-project's county: clean_columns).
        # One query however many teachers, the others skipped below: a list of 50,000 teacher ids cost
        # more to send and plan than the places it found.
        rows = (
            Enrolment.objects.filter(
                teacher__school__county_id__in=sorted({sub.program.county_id for sub in dated.values()}),
                status__in=Enrolment.ACTIVE,
                subproject__modality__in=SubProject.FACE_TO_FACE,
                subproject__start_date__lte=max(sub.end_date for sub in dated.values()),
                subproject__end_date__gte=min(sub.start_date for sub in dated.values()),
            )
            # Not the model's list ordering (four joins and a sort): the order is not needed.
            .order_by()
            .values_list(
                "teacher_id", "subproject_id", "subproject__start_date", "subproject__end_date", "subproject__name"
            )
        )
        for teacher_id, sub_id, begin, end, name in rows.iterator(self.chunk):
            if teacher_id not in wanted:
                continue
            span = stored.get(sub_id)
            if span is None:
                span = stored[sub_id] = (
                    begin,
                    end,
                    SubProject(pk=sub_id, name=name, start_date=begin, end_date=end),
                    None,
                )
            by_teacher[teacher_id][sub_id] = span
        dated = {sub_id: (sub.start_date, sub.end_date, sub) for sub_id, sub in dated.items()}
        active = Enrolment.ACTIVE
        for item in cleaned:
            sub_id = item.subproject.id
            span = dated.get(sub_id) if item.status in active else None
            if span is not None:
                by_teacher[item.teacher_id][sub_id] = (*span, item.row)
            else:
                known = by_teacher.get(item.teacher_id)
                if known:
                    known.pop(sub_id, None)
        by_dates = operator.itemgetter(0, 1)
        for spans in by_teacher.values():
            if len(spans) < 2:
                continue
            teacher_spans = sorted(spans.values(), key=by_dates)
            latest = teacher_spans[0]
            for span in teacher_spans[1:]:
                if span[0] <= latest[1]:
                    # Blame a row of this file; an overlap already in the database is not this file's.
                    row, other = (span[3], latest[2]) if span[3] is not None else (latest[3], span[2])
                    if row is not None:
                        errors.append(RowError(row, "子项目名称", overlap_message(other)))
                if span[1] > latest[1]:
                    latest = span

    def plan(self, cleaned: list[EnrolmentRow]) -> tuple[int, int]:
        created = updated = 0
        for item in cleaned:
            known = self.existing.get((item.subproject.id, item.teacher_id))
            if known is None or (known[1] not in Enrolment.ACTIVE and item.status in Enrolment.ACTIVE):
                created += 1
            elif known[1] != item.status:
                updated += 1
        return created, updated

    def write(self, cleaned: list[EnrolmentRow]) -> tuple[int, int]:
        completing = self._credit_changes(cleaned)
        counts = self._write_copy(cleaned) if uses_copy(len(cleaned), self.copy_threshold) else self._write_orm(cleaned)
        if completing:
            from assessment.credits import ledger_refresh  # the credits ledger follows completions

            for year, teacher_ids in completing.items():
                ledger_refresh(teacher_ids=teacher_ids, years=[year])
        return counts

    def _credit_changes(self, cleaned: list[EnrolmentRow]) -> dict[int, set[int]]:
        """Teachers per year whose place becomes or stops being 已完成: their credit ledger changes."""
        done = Enrolment.Status.COMPLETED
        out: dict[int, set[int]] = defaultdict(set)
        for item in cleaned:
            known = self.existing.get((item.subproject.id, item.teacher_id))
            before = known[1] if known is not None else None
            if (item.status == done) != (before == done):
                out[item.subproject.program.year].add(item.teacher_id)
        return out

    def _write_orm(self, cleaned: list[EnrolmentRow]) -> tuple[int, int]:
        now = timezone.now()
        actor = self.actor if getattr(self.actor, "pk", None) else None
        created = updated = 0
        self._texts: dict[tuple[int, str], Notice] = {}
        with history_context(self.actor, "import.enrolments"):
            # In chunks, so a 300,000-row file never holds every model instance in memory at once.
            for start in range(0, len(cleaned), self.chunk):
                new: list[Enrolment] = []
                to_status: dict[str, list[int]] = defaultdict(list)
                told: list[tuple[int, int, SubProject, str]] = []  # enrolment, teacher, sub-project, event
                for item in cleaned[start : start + self.chunk]:
                    known = self.existing.get((item.subproject.id, item.teacher_id))
                    if known is None or (known[1] not in Enrolment.ACTIVE and item.status in Enrolment.ACTIVE):
                        new.append(
                            Enrolment(
                                subproject=item.subproject,
                                teacher_id=item.teacher_id,
                                school_id=item.school_id,
                                status=item.status,
                                created_at=now,
                                changed_at=now,
                                created_by=actor,
                                changed_by=actor,
                            )
                        )
                    elif known[1] != item.status:
                        to_status[item.status].append(known[0])
                        told.append((known[0], item.teacher_id, item.subproject, item.status))
                Enrolment.objects.bulk_create(new, batch_size=self.batch_size)
                for status, ids in to_status.items():
                    Enrolment.objects.filter(pk__in=ids).update(status=status, changed_at=now, changed_by=actor)
                told.extend((e.pk, e.teacher_id, e.subproject, e.status) for e in new)
                notify([self._notice(*args) for args in told])
                created += len(new)
                updated += len(told) - len(new)
        return created, updated

    def _write_copy(self, cleaned: list[EnrolmentRow]) -> tuple[int, int]:
        """The ORM path's writes, set-based: new places and status changes from one temporary table,
        each statement also storing the notices it owes (`PendingNotices`)."""
        now = timezone.now()
        actor_id = getattr(self.actor, "pk", None)
        rows = []
        active = Enrolment.ACTIVE
        for item in cleaned:
            sub = item.subproject
            known = self.existing.get((sub.id, item.teacher_id))
            if known is None or (known[1] not in active and item.status in active):
                action, existing_id = "new", pgcopy.NULL
            elif known[1] != item.status:
                action, existing_id = "update", known[0]
            else:
                continue
            rows.append((action, sub.id, item.teacher_id, item.school_id, item.status, existing_id))
        if not rows:
            return 0, 0
        pgcopy.copy_temp_table(
            "import_enrolment",
            [("action", "varchar(8)"), ("subproject_id", "bigint"), ("teacher_id", "bigint"),
             ("school_id", "bigint"), ("status", "varchar(16)"), ("existing_id", "bigint")],
            rows,
        )  # fmt: skip
        # The notices are owed here, in the places' transaction, and made by the notices queue once it
        # commits (programs.import_notices): the import waits for its places alone.
        with history_context(self.actor, "import.enrolments"):
            owed = pgcopy.fetch(
                import_notices.owe_sql(
                    f"""INSERT INTO {Enrolment._meta.db_table}
                        (subproject_id, teacher_id, school_id, status, reason, created_at, changed_at,
                         created_by_id, changed_by_id)
                    SELECT subproject_id, teacher_id, school_id, status, '', %s, %s, %s, %s
                    FROM import_enrolment WHERE action = 'new'
                    RETURNING id, status""",
                    PendingNotices.Action.NEW,
                ),
                [now, now, actor_id, actor_id, now],
            )
            owed += pgcopy.fetch(
                import_notices.owe_sql(
                    f"""UPDATE {Enrolment._meta.db_table} e SET status = i.status, changed_at = %s, changed_by_id = %s
                    FROM import_enrolment i WHERE i.action = 'update' AND e.id = i.existing_id
                    RETURNING e.id, e.status""",
                    PendingNotices.Action.UPDATE,
                ),
                [now, actor_id, now],
            )
        import_notices.deliver_after_commit([pk for (pk,) in owed])
        # Every changed place is written and owed exactly one notice; the temporary table's existing
        # ids are rows the UPDATE finds (read in `finish`).
        new = sum(1 for row in rows if row[0] == "new")
        return new, len(rows) - new

    def _notice(self, enrolment_id: int, teacher_id: int, subproject: SubProject, status: str) -> Notice:
        """The notice for one changed enrolment; its text is built once per sub-project and event."""
        event = import_notices.notice_event(status)
        text = self._texts.get((subproject.id, event))
        if text is None:
            text = notice_build(enrolment=Enrolment(subproject=subproject), event=event)
            self._texts[(subproject.id, event)] = text
        return Notice(
            teacher_id=teacher_id,
            enrolment_id=enrolment_id,
            kind=text.kind,
            subject=text.subject,
            body=text.body,
            needs_response=import_notices.asks(text, status),
        )

    def preview_row(self, item: EnrolmentRow) -> dict[str, Any]:
        return {
            "子项目": f"{item.subproject.program.name} / {item.subproject.name}",
            "身份证号": mask_id_number(item.id_number),
            "状态": Enrolment.Status(item.status).label,
        }
