"""Assessment test data, made through the assessment services."""

from decimal import Decimal

from assessment.models import Component
from assessment.scoring import ComponentSpec, scheme_save

ATT = Component.Source.ATTENDANCE
ONLINE = Component.Source.ONLINE_HOURS
TASKS = Component.Source.TASKS
MANUAL = Component.Source.MANUAL


def make_scheme(subproject, *, components=None, pass_mark=60, threshold=None, share=None, actor=None):
    """A sub-project scheme; by default 出勤 40% + 作业 60% (manual)."""
    components = components or [ComponentSpec("出勤", 40, ATT), ComponentSpec("作业", 60, MANUAL)]
    return scheme_save(
        county=subproject.program.county,
        subproject=subproject,
        name=f"{subproject.name} 方案",
        components=components,
        pass_mark=Decimal(pass_mark),
        excellent_threshold=None if threshold is None else Decimal(threshold),
        excellent_share=None if share is None else Decimal(share),
        actor=actor,
    )


def make_template(county, *, components=None, actor=None, **kwargs):
    components = components or [ComponentSpec("出勤", 30, ATT), ComponentSpec("成果", 70, MANUAL)]
    return scheme_save(county=county, name="通用模板", components=components, actor=actor, **kwargs)


def make_claim_item(county, *, actor=None, name="论文发表（省级）", kind="paper", unit="credits", amount="2", per="篇",
                    max_per_year=None, category_code="self_study"):  # fmt: skip
    """A line of the county's claim table, in its 自主研修 category by default."""
    from assessment.claims import claim_item_save
    from assessment.credits import category_lookup

    return claim_item_save(
        county=county,
        actor=actor,
        name=name,
        kind=kind,
        category=category_lookup(county=county, key=category_code),
        unit=unit,
        amount=Decimal(amount),
        per=per,
        max_per_year=None if max_per_year is None else Decimal(max_per_year),
    )


def make_claim(teacher_user, item, *, year=2026, quantity="1", files=None, description="《乡村小学数学教学》省级期刊"):
    """A submitted claim by a teacher's own account, with one PDF as evidence."""
    from assessment.claims import claim_submit

    from .outreach import upload

    return claim_submit(
        teacher=teacher_user.teacher,
        item=item,
        year=year,
        quantity=Decimal(quantity),
        description=description,
        files=files if files is not None else [upload("证书.pdf")],
        actor=teacher_user,
    )


def earn_hours(county, teacher, hours, year):
    """A completed enrolment of `teacher` in a sub-project of `hours` of a county program of `year`."""
    from programs.models import Enrolment

    from . import EnrolmentFactory, ProgramFactory, SubProjectFactory

    sub = SubProjectFactory(program=ProgramFactory(county=county, year=year), hours=Decimal(hours))
    return EnrolmentFactory(subproject=sub, teacher=teacher, status=Enrolment.Status.COMPLETED)
