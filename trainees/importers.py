"""Importers for the registry: schools (with their regions) and teachers."""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.importing import (
    ERR_DUPLICATE_IN_FILE,
    CellError,
    Column,
    Importer,
    RowError,
    choice_parser,
    parse_bool,
    parse_int,
    parse_text,
    register,
)
from core.scoping import ALL, is_county_level, scope_of

from .idcard import mask_id_number, parse_id_number
from .models import Region, School, Teacher, TeacherTransfer
from .services import ERR_GENDER_MISMATCH, region_ensure_path

ERR_OUT_OF_SCOPE_COUNTY = "只能导入本县区的学校"
ERR_SCHOOL_UNKNOWN = "找不到学校“{value}”（请填写学校代码或名称）"
ERR_SCHOOL_AMBIGUOUS = "学校名称“{value}”不唯一，请填写学校代码"
ERR_TEACHER_OUT_OF_SCOPE = "该教师不在您的管理范围内"
ERR_SCHOOL_CODE_OTHER_COUNTY = "学校代码已被其他县区的学校使用"
ERR_NAME_TAKEN = "同一县区已有同名学校（代码 {code}）"
ERR_ENTRY_YEAR = "入职年份应在 1950 到今年之间"

GENDER_LABELS = {"男": "M", "女": "F", "M": "M", "F": "F"}


def parse_gender(value: Any) -> str:
    text = str(value).strip()
    if text not in GENDER_LABELS:
        raise CellError(_("性别应为“男”或“女”"))
    return GENDER_LABELS[text]


def parse_id(value: Any) -> Any:
    return parse_id_number(parse_text(value))


@dataclass
class SchoolRow:
    row: int
    province: str
    city: str
    county: str
    township: str | None
    code: str
    name: str
    kind: str
    area: str


@register
class SchoolImporter(Importer):
    kind = "schools"
    title = _("学校导入")
    columns = (
        Column("省", "province", required=True, parse=parse_text),
        Column("市", "city", required=True, parse=parse_text),
        Column("县区", "county", required=True, parse=parse_text),
        Column("乡镇", "township", parse=parse_text),
        Column("学校代码", "code", required=True, parse=parse_text),
        Column("学校名称", "name", required=True, parse=parse_text),
        Column("类型", "kind", required=True, parse=choice_parser(School.Kind, label="类型")),
        Column("城乡", "area", required=True, parse=choice_parser(School.Area, label="城乡")),
    )

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "SchoolImporter":
        scope = scope_of(user)
        county = None if scope.kind == ALL else Region.objects.filter(pk=scope.county_id).first()
        return cls(actor=user, county=county)

    def prepare(self) -> None:
        self.county_limit: Region | None = self.options.get("county")
        self.existing = {s.code: s for s in School.objects.select_related("county")}
        self.existing_names = {(s.county.name, s.name): s.code for s in self.existing.values()}
        self.seen_codes: dict[str, int] = {}
        self.seen_names: dict[tuple[str, str], int] = {}

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> SchoolRow | None:
        item = SchoolRow(row=row, **values)
        ok = True
        if self.county_limit is not None and item.county != self.county_limit.name:
            errors.append(RowError(row, "县区", _(ERR_OUT_OF_SCOPE_COUNTY)))
            ok = False
        existing = self.existing.get(item.code)
        if existing is not None and existing.county.name != item.county:
            errors.append(RowError(row, "学校代码", _(ERR_SCHOOL_CODE_OTHER_COUNTY)))
            ok = False
        if existing is not None and self.county_limit is not None and existing.county_id != self.county_limit.pk:
            errors.append(RowError(row, "学校代码", _(ERR_SCHOOL_CODE_OTHER_COUNTY)))
            ok = False
        first = self.seen_codes.setdefault(item.code, row)
        if first != row:
            errors.append(RowError(row, "学校代码", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
            ok = False
        first = self.seen_names.setdefault((item.county, item.name), row)
        if first != row:
            errors.append(RowError(row, "学校名称", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
            ok = False
        other_code = self.existing_names.get((item.county, item.name))
        if other_code is not None and other_code != item.code:
            errors.append(RowError(row, "学校名称", _(ERR_NAME_TAKEN).format(code=other_code)))
            ok = False
        return item if ok else None

    def plan(self, cleaned: list[SchoolRow]) -> tuple[int, int]:
        updated = sum(1 for item in cleaned if item.code in self.existing)
        return len(cleaned) - updated, updated

    def write(self, cleaned: list[SchoolRow]) -> tuple[int, int]:
        created = updated = 0
        paths: dict[tuple, tuple[Region, Region | None]] = {}
        for item in cleaned:
            key = (item.province, item.city, item.county, item.township)
            if key not in paths:
                paths[key] = region_ensure_path(
                    province=item.province, city=item.city, county=item.county, township=item.township
                )
            county, township = paths[key]
            school, was_created = School.objects.update_or_create(
                code=item.code,
                defaults={
                    "name": item.name,
                    "county": county,
                    "township": township,
                    "kind": item.kind,
                    "area": item.area,
                },
            )
            school.full_clean()
            created += was_created
            updated += not was_created
        return created, updated

    def preview_row(self, item: SchoolRow) -> dict[str, Any]:
        return {"学校代码": item.code, "学校名称": item.name, "县区": item.county, "乡镇": item.township or ""}


@dataclass
class TeacherRow:
    row: int
    name: str
    info: Any
    school: School
    fields: dict[str, Any]


TEACHER_OPTIONAL_KEYS = (
    "phone",
    "stage",
    "subject",
    "title",
    "post",
    "is_rural",
    "is_special_post",
    "entry_year",
    "education",
)


@register
class TeacherImporter(Importer):
    kind = "teachers"
    title = _("教师导入")
    columns = (
        Column("姓名", "name", required=True, parse=parse_text),
        Column("身份证号", "info", required=True, parse=parse_id, aliases=("身份证号码",)),
        Column("性别", "gender", parse=parse_gender),
        Column("手机号", "phone", parse=parse_text, aliases=("手机", "联系电话")),
        Column("学校", "school", required=True, parse=parse_text, aliases=("学校名称", "学校代码")),
        Column("学段", "stage", parse=choice_parser(Teacher.Stage, label="学段")),
        Column("学科", "subject", parse=parse_text),
        Column("职称", "title", parse=parse_text),
        Column("岗位", "post", parse=choice_parser(Teacher.Post, label="岗位")),
        Column("乡村教师", "is_rural", parse=parse_bool),
        Column("特岗教师", "is_special_post", parse=parse_bool),
        Column("入职年份", "entry_year", parse=parse_int),
        Column("学历", "education", parse=parse_text),
    )
    batch_size = 2000

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "TeacherImporter":
        scope = scope_of(user)
        return cls(actor=user, county_id=None if scope.kind == ALL else scope.county_id)

    def prepare(self) -> None:
        self.county_id = self.options.get("county_id")
        schools = School.objects.all()
        if self.county_id is not None:
            schools = schools.filter(county_id=self.county_id)
        self.by_code: dict[str, School] = {}
        self.by_name: dict[str, list[School]] = {}
        for school in schools:
            self.by_code[school.code] = school
            self.by_name.setdefault(school.name, []).append(school)
        self.seen: dict[str, int] = {}
        self.this_year = timezone.localdate().year

    def _school(self, value: str) -> School:
        if value in self.by_code:
            return self.by_code[value]
        matches = self.by_name.get(value, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise CellError(_(ERR_SCHOOL_AMBIGUOUS).format(value=value))
        raise CellError(_(ERR_SCHOOL_UNKNOWN).format(value=value))

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> TeacherRow | None:
        info = values["info"]
        ok = True
        try:
            school = self._school(values["school"])
        except CellError as exc:
            errors.append(RowError(row, "学校", str(exc)))
            ok = False
        if values.get("gender") and values["gender"] != info.gender:
            errors.append(RowError(row, "性别", _(ERR_GENDER_MISMATCH)))
            ok = False
        year = values.get("entry_year")
        if year is not None and not 1950 <= year <= self.this_year:
            errors.append(RowError(row, "入职年份", _(ERR_ENTRY_YEAR)))
            ok = False
        first = self.seen.setdefault(info.number, row)
        if first != row:
            errors.append(RowError(row, "身份证号", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
            ok = False
        if not ok:
            return None
        fields = {key: values[key] for key in TEACHER_OPTIONAL_KEYS if key in values and values[key] is not None}
        return TeacherRow(row=row, name=values["name"], info=info, school=school, fields=fields)

    def finish(self, cleaned: list[TeacherRow], errors: list[RowError]) -> None:
        numbers = [item.info.number for item in cleaned]
        self.existing: dict[str, tuple[int, int, int]] = {}
        for start in range(0, len(numbers), 5000):
            chunk = numbers[start : start + 5000]
            for pk, number, school_id, county_id in Teacher.objects.filter(id_number__in=chunk).values_list(
                "pk", "id_number", "school_id", "school__county_id"
            ):
                self.existing[number] = (pk, school_id, county_id)
        if self.county_id is None:
            return
        for item in cleaned:
            known = self.existing.get(item.info.number)
            if known is not None and known[2] != self.county_id:
                errors.append(RowError(item.row, "身份证号", _(ERR_TEACHER_OUT_OF_SCOPE)))

    def plan(self, cleaned: list[TeacherRow]) -> tuple[int, int]:
        updated = sum(1 for item in cleaned if item.info.number in self.existing)
        return len(cleaned) - updated, updated

    def _build(self, item: TeacherRow) -> Teacher:
        return Teacher(
            name=item.name,
            id_number=item.info.number,
            birth_date=item.info.birth_date,
            gender=item.info.gender,
            school=item.school,
            **item.fields,
        )

    def write(self, cleaned: list[TeacherRow]) -> tuple[int, int]:
        now = timezone.now()
        actor = self.actor if getattr(self.actor, "pk", None) else None
        new: list[Teacher] = []
        # A blank or missing cell leaves the stored value alone, so updates are grouped by the
        # fields each row actually carries.
        changed: dict[tuple[str, ...], list[Teacher]] = {}
        transfers: list[TeacherTransfer] = []
        for item in cleaned:
            teacher = self._build(item)
            teacher.updated_at = now
            known = self.existing.get(item.info.number)
            if known is None:
                teacher.created_at = now
                new.append(teacher)
                continue
            teacher.pk = known[0]
            changed.setdefault(tuple(sorted(item.fields)), []).append(teacher)
            if known[1] != item.school.pk:
                transfers.append(
                    TeacherTransfer(
                        teacher_id=known[0],
                        from_school_id=known[1],
                        to_school=item.school,
                        moved_at=now,
                        actor=actor,
                        note=_("Excel 导入"),
                    )
                )
        Teacher.objects.bulk_create(new, batch_size=self.batch_size)
        for fields, teachers in changed.items():
            Teacher.objects.bulk_update(teachers, ["name", "school", "updated_at", *fields], batch_size=self.batch_size)
        TeacherTransfer.objects.bulk_create(transfers, batch_size=self.batch_size)
        return len(new), sum(len(group) for group in changed.values())

    def preview_row(self, item: TeacherRow) -> dict[str, Any]:
        return {"姓名": item.name, "身份证号": mask_id_number(item.info.number), "学校": item.school.name}
