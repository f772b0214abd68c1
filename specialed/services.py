"""Every write of the special-education app: support visits and non-teacher participants."""

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from programs.models import SubProject
from trainees.models import Region, School, Teacher

from .models import Participant, ParticipantEnrolment, SupportVisit

ERR_TEACHERS_REQUIRED = "请选择参加的教师"
ERR_TEACHER_OTHER_COUNTY = "参加的教师应为本县区教师"
ERR_SCHOOL_OTHER_COUNTY = "学校不在本县区"
ERR_CHILD_CODE_REQUIRED = "送教上门请填写儿童编号（不得填写姓名）"
ERR_TARGET_REQUIRED = "巡回指导请选择指导学校"
ERR_CONTENT_REQUIRED = "请至少选择一项内容"
ERR_CONTENT_UNKNOWN = "内容“{value}”无效"
ERR_ID_LIKE = "不得填写身份证号等个人证件号码"
ERR_HOURS = "学时应大于 0 且不超过 24"
ERR_TOWNSHIP_OTHER_COUNTY = "乡镇不在本县区"
ERR_SUBPROJECT_OTHER_COUNTY = "子项目不属于本县区"

# Fifteen or more digits in a row (an old or new 身份证号, with or without its X) is never a child's code
# nor a note about a visit.
ID_LIKE = re.compile(r"\d{15,}|\d{14,17}[Xx]")


def _refuse_id_like(**fields: str) -> None:
    errors = {name: _(ERR_ID_LIKE) for name, value in fields.items() if value and ID_LIKE.search(value)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def support_visit_create(
    *,
    school: School,
    kind: str,
    date: dt.date,
    teachers: Sequence[Teacher],
    hours: Decimal,
    contents: Sequence[str],
    township: Region | None = None,
    target_school: School | None = None,
    class_name: str = "",
    child_code: str = "",
    notes: str = "",
    actor: Any = None,
) -> SupportVisit:
    """Record a 送教上门 or 巡回指导 of `school`'s teachers (a coordinator's own school, or any school
    of the county for county staff: the view decides which)."""
    county_id = school.county_id
    teachers = list(teachers)
    child_code, notes, class_name = child_code.strip().upper(), notes.strip(), class_name.strip()
    _refuse_id_like(child_code=child_code, notes=notes, class_name=class_name)
    if not teachers:
        raise ValidationError({"teachers": _(ERR_TEACHERS_REQUIRED)})
    if any(t.school.county_id != county_id for t in teachers):
        raise ValidationError({"teachers": _(ERR_TEACHER_OTHER_COUNTY)})
    if not contents:
        raise ValidationError({"contents": _(ERR_CONTENT_REQUIRED)})
    allowed = set(SupportVisit.Content.values)
    for value in contents:
        if value not in allowed:
            raise ValidationError({"contents": _(ERR_CONTENT_UNKNOWN).format(value=value)})
    if not Decimal(0) < hours <= Decimal(24):
        raise ValidationError({"hours": _(ERR_HOURS)})
    if kind == SupportVisit.Kind.HOME:
        if not child_code:
            raise ValidationError({"child_code": _(ERR_CHILD_CODE_REQUIRED)})
        target_school, class_name = None, ""
        if township is not None and township.parent_id != county_id:
            raise ValidationError({"township": _(ERR_TOWNSHIP_OTHER_COUNTY)})
    else:
        if target_school is None:
            raise ValidationError({"target_school": _(ERR_TARGET_REQUIRED)})
        if target_school.county_id != county_id:
            raise ValidationError({"target_school": _(ERR_SCHOOL_OTHER_COUNTY)})
        child_code, township = "", target_school.township
    visit = SupportVisit(
        county_id=county_id,
        school=school,
        kind=kind,
        date=date,
        township=township,
        target_school=target_school,
        class_name=class_name,
        child_code=child_code,
        hours=hours,
        contents=list(dict.fromkeys(contents)),
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    visit.full_clean()
    visit.save()
    visit.teachers.set(teachers)
    return visit


@transaction.atomic
def participant_enrol(
    *,
    subproject: SubProject,
    name: str,
    kind: str,
    organisation: str = "",
    phone: str = "",
    attended: bool = True,
) -> ParticipantEnrolment:
    """Put a parent or rehabilitation worker on a sub-project; the same person (name and phone in the
    county) is one participant however many trainings they attend."""
    county_id = subproject.program.county_id
    _refuse_id_like(name=name, organisation=organisation)
    participant = Participant.objects.filter(county_id=county_id, name=name.strip(), phone=phone.strip()).first()
    if participant is None:
        participant = Participant(
            county_id=county_id, name=name.strip(), kind=kind, organisation=organisation.strip(), phone=phone.strip()
        )
        participant.full_clean()
        participant.save()
    enrolment = ParticipantEnrolment.objects.filter(subproject=subproject, participant=participant).first()
    if enrolment is None:
        enrolment = ParticipantEnrolment(subproject=subproject, participant=participant, attended=attended)
    else:
        enrolment.attended = attended
    enrolment.full_clean()
    enrolment.save()
    return enrolment
