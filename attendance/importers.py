"""Attendance from Excel, for sessions run by an outside institution: one row per trainee and date."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.importing import (
    ERR_DUPLICATE_IN_FILE,
    Column,
    Importer,
    RowError,
    choice_parser,
    parse_date,
    parse_id_text,
    parse_int,
    parse_text,
    register,
)
from core.scoping import ALL, is_county_level, scope_of
from programs.models import Enrolment, Program, Session, SubProject
from trainees.idcard import mask_id_number, normalize_id_number
from trainees.models import Teacher

from .models import AttendanceRecord, Status
from .services import NOTE_MAX, RowInput, attendance_import_write

ERR_PROGRAM_UNKNOWN = "找不到 {year} 年度的项目“{name}”"
ERR_PROGRAM_AMBIGUOUS = "{year} 年度有多个名为“{name}”的项目（不同县区），请在命令中指定 --county"
ERR_SUBPROJECT_UNKNOWN = "项目中没有名为“{name}”的子项目"
ERR_SESSION_UNKNOWN = "子项目在 {date} 没有培训活动"
ERR_SESSION_AMBIGUOUS = "子项目在 {date} 有多个培训活动，无法确定是哪一个"
ERR_NOT_ENROLLED = "该身份证号不在此子项目已确认的学员中"
ERR_NAME_MISMATCH = "姓名与身份证号不符"
ERR_NOTE_TOO_LONG = "备注不能超过 200 个字"
IMPORT_REASON = "Excel 导入"


@dataclass
class AttendanceRow:
    row: int
    session: Session
    enrolment_id: int
    name: str
    id_number: str
    status: str
    note: str


@register
class AttendanceImporter(Importer):
    kind = "attendance"
    title = gettext_lazy("考勤导入")
    columns = (
        Column("年度", "year", required=True, parse=parse_int, field=Program.year),
        Column("项目名称", "program", required=True, parse=parse_text),
        Column("子项目名称", "subproject", required=True, parse=parse_text),
        Column("日期", "date", required=True, parse=parse_date),
        Column(
            "身份证号", "id_number", required=True, parse=lambda v: normalize_id_number(parse_id_text(v)), text=True
        ),
        Column("姓名", "name", required=True, parse=parse_text, field=Teacher.name),
        Column("出勤状态", "status", required=True, parse=choice_parser(Status, label="出勤状态")),
        Column("备注", "note", parse=parse_text, field=AttendanceRecord.note),
    )

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "AttendanceImporter":
        scope = scope_of(user)
        return cls(actor=user, county_id=None if scope.kind == ALL else scope.county_id)

    def prepare(self) -> None:
        self.county_id = self.options.get("county_id")
        self.reason = self.options.get("reason") or _(IMPORT_REASON)
        self.programs: dict[tuple[int, str], list[Program]] = {}
        self.subprojects: dict[tuple[int, str], SubProject | None] = {}
        self.sessions: dict[int, dict[Any, list[Session]]] = {}
        self.rosters: dict[int, dict[str, tuple[int, str]]] = {}
        self.seen: dict[tuple[int, int], int] = {}

    # Lookups are cached per program / sub-project, so a file costs a few queries per sub-project.

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
            self.subprojects[key] = SubProject.objects.filter(program=program, name=name).first()
            if self.subprojects[key] is not None:
                self._load_subproject(self.subprojects[key])
        return self.subprojects[key]

    def _load_subproject(self, subproject: SubProject) -> None:
        by_date: dict[Any, list[Session]] = defaultdict(list)
        for session in Session.objects.filter(subproject=subproject).select_related("subproject"):
            by_date[session.date].append(session)
        self.sessions[subproject.pk] = by_date
        self.rosters[subproject.pk] = {
            number: (pk, name)
            for pk, number, name in Enrolment.objects.filter(
                subproject=subproject, status__in=Enrolment.PARTICIPATING
            ).values_list("pk", "teacher__id_number", "teacher__name")
        }

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> AttendanceRow | None:
        year, date = values["year"], values["date"]
        programs = self._program(year, values["program"])
        if not programs:
            errors.append(RowError(row, "项目名称", _(ERR_PROGRAM_UNKNOWN).format(year=year, name=values["program"])))
            return None
        if len(programs) > 1:
            errors.append(RowError(row, "项目名称", _(ERR_PROGRAM_AMBIGUOUS).format(year=year, name=values["program"])))
            return None
        subproject = self._subproject(programs[0], values["subproject"])
        if subproject is None:
            errors.append(RowError(row, "子项目名称", _(ERR_SUBPROJECT_UNKNOWN).format(name=values["subproject"])))
            return None
        sessions = self.sessions[subproject.pk].get(date, [])
        ok = True
        if len(sessions) != 1:
            message = ERR_SESSION_UNKNOWN if not sessions else ERR_SESSION_AMBIGUOUS
            errors.append(RowError(row, "日期", _(message).format(date=f"{date:%Y-%m-%d}")))
            ok = False
        found = self.rosters[subproject.pk].get(values["id_number"])
        if found is None:
            errors.append(RowError(row, "身份证号", _(ERR_NOT_ENROLLED)))
            ok = False
        elif found[1] != values["name"]:
            errors.append(RowError(row, "姓名", _(ERR_NAME_MISMATCH)))
            ok = False
        note = values.get("note") or ""
        if len(note) > NOTE_MAX:
            errors.append(RowError(row, "备注", _(ERR_NOTE_TOO_LONG)))
            ok = False
        if not ok:
            return None
        key = (sessions[0].pk, found[0])
        first = self.seen.setdefault(key, row)
        if first != row:
            errors.append(RowError(row, "身份证号", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
            return None
        return AttendanceRow(
            row=row,
            session=sessions[0],
            enrolment_id=found[0],
            name=values["name"],
            id_number=values["id_number"],
            status=values["status"],
            note=note,
        )

    def finish(self, cleaned: list[AttendanceRow], errors: list[RowError]) -> None:
        self.existing = set(
            AttendanceRecord.objects.filter(
                session_id__in={item.session.pk for item in cleaned},
                enrolment_id__in={item.enrolment_id for item in cleaned},
            ).values_list("session_id", "enrolment_id")
        )

    def plan(self, cleaned: list[AttendanceRow]) -> tuple[int, int]:
        updated = sum(1 for item in cleaned if (item.session.pk, item.enrolment_id) in self.existing)
        return len(cleaned) - updated, updated

    def write(self, cleaned: list[AttendanceRow]) -> tuple[int, int]:
        by_session: dict[int, list[AttendanceRow]] = defaultdict(list)
        for item in cleaned:
            by_session[item.session.pk].append(item)
        for items in by_session.values():
            attendance_import_write(
                session=items[0].session,
                rows=[RowInput(enrolment_id=i.enrolment_id, status=i.status, note=i.note) for i in items],
                actor=self.actor,
                reason=self.reason,
            )
        return self.plan(cleaned)

    def preview_row(self, item: AttendanceRow) -> dict[str, Any]:
        return {
            "日期": f"{item.session.date:%Y-%m-%d}",
            "姓名": item.name,
            "身份证号": mask_id_number(item.id_number),
            "出勤状态": Status(item.status).label,
            "备注": item.note,
        }
