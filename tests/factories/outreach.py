"""Outreach test data, built through outreach.services so tests exercise the real rules."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from outreach import services
from programs.models import Enrolment, SubProject

from .programs import EnrolmentFactory, ProgramFactory, SubProjectFactory
from .registry import TeacherFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def ooxml_bytes(kind: str = "docx") -> bytes:
    main = {"docx": "word/document.xml", "pptx": "ppt/presentation.xml", "xlsx": "xl/workbook.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main, "<doc/>")
    return buffer.getvalue()


def upload(name: str = "教学设计.pdf", data: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def make_cycle(*, county, subject: str = "数学", phase_names=None, **subproject_fields):
    # A cycle runs the whole year: its visits (sessions) must fall within the sub-project's dates.
    subproject_fields.setdefault("start_date", dt.date(2026, 1, 1))
    subproject_fields.setdefault("end_date", dt.date(2026, 12, 31))
    program = ProgramFactory(county=county)
    subproject = SubProjectFactory(
        program=program, kind=SubProject.Kind.OUTREACH, modality=SubProject.Modality.OUTREACH, **subproject_fields
    )
    kwargs = {"phase_names": phase_names} if phase_names else {}
    return services.cycle_create(subproject=subproject, subject=subject, stage="小学", **kwargs)


def enrol(cycle, teacher=None, **fields) -> Enrolment:
    teacher = teacher or TeacherFactory()
    return EnrolmentFactory(subproject=cycle.subproject, teacher=teacher, **fields)


def phase(cycle, order: int = 1):
    return cycle.phases.get(order=order)


def make_visit(cycle, *, order: int = 1, date=dt.date(2026, 9, 10), host_school, **fields):
    return services.visit_create(
        phase=phase(cycle, order),
        date=date,
        start_time=fields.pop("start_time", dt.time(8, 30)),
        end_time=fields.pop("end_time", dt.time(16, 30)),
        host_school=host_school,
        hours=Decimal(6),
        **fields,
    )


def make_team_member(cycle, *, name: str = "专家", role: str = "lead", teacher=None, pool=None):
    pool = pool or services.pool_member_create(county=cycle.county, name=name, teacher=teacher)
    return services.team_member_add(cycle=cycle, member=pool, role=role)


def make_task(cycle, *, order: int = 1, due_date=dt.date(2026, 9, 20), title: str = "教学反思"):
    return services.task_create(phase=phase(cycle, order), title=title, description="写一篇反思", due_date=due_date)


def make_workshop(*, county, capacity: int = 50, **fields):
    program = ProgramFactory(county=county)
    subproject = SubProjectFactory(program=program, kind=SubProject.Kind.WORKSHOP, modality=SubProject.Modality.BLENDED)
    return services.workshop_create(
        subproject=subproject, name=fields.pop("name", "小学数学工作坊"), subject="数学", capacity=capacity, **fields
    )


def make_resource(cycle, *, actor, title: str = "课件", kind: str = "slides", approve: bool = False, **fields):
    resource = services.resource_upload(cycle=cycle, kind=kind, title=title, upload=upload(), actor=actor, **fields)
    if approve:
        services.resource_review(resource=resource, status="approved", actor=actor)
    return resource


def visit_of(cycle, *sessions, phase_obj=None, number=None):
    """A visit whose days are the given sessions, for report fixtures that build rows directly."""
    from outreach.models import Visit, VisitDay

    phase_obj = phase_obj or cycle.phases.order_by("order").first()
    number = number or cycle.visits.count() + 1
    visit = Visit.objects.create(cycle=cycle, phase=phase_obj, number=number, title=sessions[0].title)
    for session in sessions:
        VisitDay.objects.create(visit=visit, session=session)
    return visit
