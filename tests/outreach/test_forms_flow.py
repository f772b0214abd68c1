"""The remaining write pages: one insider who may change, one who may only look, one outsider."""

import datetime as dt

from django.urls import reverse

from outreach.models import Resource, Workshop
from programs.models import SubProject
from tests.factories.outreach import enrol, make_cycle, make_resource, make_workshop, phase
from tests.factories.programs import ProgramFactory, SubProjectFactory


def test_renaming_a_phase(world, client_for):
    cycle = make_cycle(county=world.county_x)
    url = reverse("outreach_phase_edit", args=[phase(cycle, 1).pk])
    assert client_for(world.coord_a).post(url, {"name": "诊断"}).status_code == 403
    assert client_for(world.staff_y).post(url, {"name": "诊断"}).status_code == 404
    assert client_for(world.staff_x).post(url, {"name": "诊断"}).status_code == 302
    assert phase(cycle, 1).name == "诊断"


def test_setting_a_task(world, client_for):
    cycle = make_cycle(county=world.county_x)
    url = reverse("outreach_task_create", args=[cycle.pk])
    data = {"phase": phase(cycle, 1).pk, "title": "撰写教学反思", "description": "", "due_date": "2026-09-30"}
    assert client_for(world.coord_a).post(url, data).status_code == 403
    assert client_for(world.staff_y).post(url, data).status_code == 404
    assert client_for(world.staff_x).post(url, data).status_code == 302
    assert phase(cycle, 1).tasks.get().due_date == dt.date(2026, 9, 30)


def test_reviewing_a_resource(world, client_for):
    cycle = make_cycle(county=world.county_x)
    enrol(cycle, world.teacher_a)
    resource = make_resource(cycle, actor=world.staff_x)
    url = reverse("outreach_resource_review", args=[resource.pk])
    assert client_for(world.teacher_user_a).post(url, {"status": "approved"}).status_code == 404
    assert client_for(world.staff_y).post(url, {"status": "approved"}).status_code == 404
    response = client_for(world.staff_x).post(url, {"status": "returned", "comment": ""})
    assert response.status_code == 200  # a return needs a comment
    assert client_for(world.staff_x).post(url, {"status": "approved"}).status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.APPROVED and resource.reviewed_by == world.staff_x


def test_creating_a_workshop(world, client_for):
    subproject = SubProjectFactory(program=ProgramFactory(county=world.county_x), kind=SubProject.Kind.WORKSHOP)
    url = reverse("outreach_workshop_create")
    data = {
        "subproject": subproject.pk,
        "name": "初中英语工作坊",
        "subject": "英语",
        "host": world.teacher_a.pk,
        "capacity": 50,
        "required_online_hours": "60",
        "members_weight": 70,
        "own_weight": 30,
    }
    assert client_for(world.coord_a).post(url, data).status_code == 403
    assert client_for(world.staff_y).post(url, data).status_code == 200  # not their sub-project: form error
    assert not Workshop.objects.exists()
    assert client_for(world.staff_x).post(url, data).status_code == 302
    workshop = Workshop.objects.get()
    assert (workshop.host, workshop.county, workshop.members_weight) == (world.teacher_a, world.county_x, 70)


def test_changing_the_weights(world, client_for):
    workshop = make_workshop(county=world.county_x)
    url = reverse("outreach_workshop_weights", args=[workshop.pk])
    data = {"members_weight": 60, "own_weight": 40, "required_online_hours": "60", "online_weight": 50,
            "offline_weight": 30, "tasks_weight": 20, "required_tasks": 8}  # fmt: skip
    assert client_for(world.coord_a).post(url, data).status_code == 403
    response = client_for(world.staff_x).post(url, {**data, "own_weight": 30})
    assert response.status_code == 200 and "100" in response.text
    response = client_for(world.staff_x).post(url, {**data, "tasks_weight": 10})
    assert response.status_code == 200 and "100" in response.text
    assert client_for(world.staff_x).post(url, data).status_code == 302
    workshop.refresh_from_db()
    assert (workshop.members_weight, workshop.own_weight, workshop.required_online_hours) == (60, 40, 60)
    assert (workshop.online_weight, workshop.offline_weight, workshop.tasks_weight, workshop.required_tasks) == (
        50, 30, 20, 8,
    )  # fmt: skip
