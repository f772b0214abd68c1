"""Factories for the records the reports read that no other factory module builds yet:
outreach cycles and tasks, online study, credit requirements and tallies."""

import datetime as dt

import factory

from assessment.models import CreditRequirement, CreditTally
from outreach.models import Cycle, OnlineStudy, Phase, PhaseTask, TaskSubmission
from reports.models import ExportJob

from .programs import EnrolmentFactory, SubProjectFactory


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    subproject = factory.SubFactory(SubProjectFactory, kind="outreach", modality="outreach")
    county = factory.LazyAttribute(lambda o: o.subproject.program.county)
    year = factory.LazyAttribute(lambda o: o.subproject.program.year)
    subject = "数学"
    stage = "小学"


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    cycle = factory.SubFactory(CycleFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = "诊断示范"


class PhaseTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhaseTask

    phase = factory.SubFactory(PhaseFactory)
    title = factory.Sequence(lambda n: f"返岗任务{n}")
    due_date = dt.date(2026, 10, 1)


class TaskSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskSubmission

    task = factory.SubFactory(PhaseTaskFactory)
    enrolment = factory.SubFactory(EnrolmentFactory)
    text = "教学设计"


class OnlineStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnlineStudy

    enrolment = factory.SubFactory(EnrolmentFactory)
    online_hours = 10
    tasks_done = 0


class CreditRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditRequirement
        django_get_or_create = ("county", "year")

    year = 2026
    total_hours = 72


class CreditTallyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditTally

    year = 2026
    school = factory.LazyAttribute(lambda o: o.teacher.school)
    county = factory.LazyAttribute(lambda o: o.teacher.school.county)


class ExportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportJob

    year_from = 2024
    year_to = 2026
