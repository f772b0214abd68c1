"""Documents printed on demand rather than issued: the 培训档案 transcript and a session's 签到表.
They carry no serial; they are rendered from the records as they stand."""

from itertools import groupby
from typing import Any

from django.utils import timezone

from programs.selectors import roster
from trainees.idcard import mask_id_number

from . import pdf, sources
from .services import county_settings


def transcript_pdf(*, teacher: Any, full_ids: bool) -> bytes:
    years = sources.teacher_transcript(teacher=teacher)
    unit = county_settings(teacher.school.county)
    return pdf.render_pdf(
        "certificates/pdf/transcript.html",
        {
            "teacher": teacher,
            "id_number": teacher.id_number if full_ids else mask_id_number(teacher.id_number),
            "years": years,
            # 周期核定 results, as on the web transcript
            "cycle_results": sources.teacher_cycle_results(teacher=teacher),
            "unit": unit.issuing_unit,
            "printed_at": timezone.localtime(),
        },
    )


def signin_pdf(*, user: Any, session: Any) -> bytes:
    """The trainees the user may see, school by school, with an empty column to sign in."""
    enrolments = roster(user=user, subproject=session.subproject, participating_only=True)
    schools = [
        {"school": school, "rows": [(e.teacher.name, mask_id_number(e.teacher.id_number)) for e in rows]}
        for school, rows in groupby(enrolments, key=lambda e: e.school)
    ]
    unit = county_settings(session.subproject.program.county) if session.subproject.program.county_id else None
    return pdf.render_pdf(
        "certificates/pdf/signin.html",
        {
            "session": session,
            "subproject": session.subproject,
            "schools": schools,
            "unit": unit.issuing_unit if unit else session.subproject.program.issuer,
        },
    )
