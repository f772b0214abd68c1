"""Online study hours exported by the external platform, one row per enrolled teacher."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.importing import (
    ERR_DUPLICATE_IN_FILE,
    CellError,
    Column,
    Importer,
    RowError,
    parse_decimal,
    parse_id_text,
    parse_int,
    parse_text,
    register,
)
from core.scoping import ALL, is_county_level, scope_of
from programs.models import Enrolment, Program
from trainees.idcard import mask_id_number, normalize_id_number
from trainees.models import Teacher

from .models import OnlineStudy

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
