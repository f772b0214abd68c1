"""Forms that explain themselves: every database constraint carries a Chinese message and names the
field it concerns, so a violation reads as a sentence on that field, never "约束 “…” 是无效的"."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse

from core.constraints import ExplainedConstraints
from programs import services
from programs.models import ERR_SESSION_OUTSIDE, ERR_SESSIONS_LEFT_OUTSIDE
from tests.factories import CategoryFactory

PROJECT_APPS = {
    "core",
    "accounts",
    "trainees",
    "programs",
    "attendance",
    "outreach",
    "specialed",
    "assessment",
    "reports",
    "desk",
    "certificates",
}


def _constraints():
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS:
            for constraint in model._meta.constraints:
                yield model, constraint


@pytest.mark.parametrize(("model", "constraint"), list(_constraints()), ids=lambda v: getattr(v, "name", ""))
def test_every_constraint_explains_itself_on_a_field(model, constraint):
    assert constraint.violation_error_message != constraint.default_violation_error_message
    assert issubclass(model, ExplainedConstraints)
    field = model.constraint_fields.get(constraint.name)
    assert field is not None, f"{model.__name__}.constraint_fields has no entry for {constraint.name}"
    if field != NON_FIELD_ERRORS:
        assert model._meta.get_field(field)


@pytest.fixture
def sub(world):
    program = services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="表单项目"
    )
    return services.subproject_create(
        program=program, name="表单班", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 5), quota=5
    )


def _subproject_post(sub, **changes):
    data = {
        "name": sub.name,
        "kind": sub.kind,
        "institution": sub.institution,
        "modality": sub.modality,
        "start_date": f"{sub.start_date:%Y-%m-%d}",
        "end_date": f"{sub.end_date:%Y-%m-%d}",
        "hours": sub.hours,
        "credit_category": sub.credit_category,
        "quota": sub.quota,
        "budget": "",
    }
    data.update(changes)
    return data


def test_an_end_date_before_the_start_is_explained_on_the_end_date(world, sub, client_for):
    response = client_for(world.staff_x).post(
        reverse("subproject_edit", args=[sub.pk]), _subproject_post(sub, end_date="2026-08-01")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["end_date"] == ["结束日期不能早于开始日期"]
    assert "约束" not in response.content.decode()
    sub.refresh_from_db()
    assert sub.end_date == dt.date(2026, 9, 5)


def test_a_duplicate_name_is_explained_on_the_name(world, sub):
    with pytest.raises(ValidationError) as caught:
        services.subproject_create(program=sub.program, name="表单班")
    assert caught.value.message_dict == {"name": ["本项目已有同名子项目"]}


def test_the_year_range_is_explained_on_the_year(world):
    with pytest.raises(ValidationError) as caught:
        services.program_create(
            county=world.county_x, year=1990, level="county", category=CategoryFactory(), name="过早"
        )
    assert caught.value.message_dict["year"] == ["年度须在 2000 到 2100 之间"]


def test_a_session_outside_its_subprojects_dates_is_refused(world, sub, client_for):
    response = client_for(world.staff_x).post(
        reverse("session_create", args=[sub.pk]),
        {"date": "2026-09-09", "start_time": "09:00", "end_time": "11:00", "hours": "2", "kind": "lecture"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [ERR_SESSION_OUTSIDE.format(dates="2026-09-01 至 2026-09-05")]
    assert not sub.sessions.exists()
    with pytest.raises(ValidationError):
        services.session_create(subproject=sub, date=dt.date(2026, 8, 31), start_time=dt.time(9), end_time=dt.time(10))


def test_a_session_on_the_last_day_is_accepted(sub):
    services.session_create(subproject=sub, date=dt.date(2026, 9, 5), start_time=dt.time(9), end_time=dt.time(10))
    assert sub.sessions.count() == 1


def test_new_dates_may_not_leave_a_session_outside(sub):
    services.session_create(subproject=sub, date=dt.date(2026, 9, 4), start_time=dt.time(9), end_time=dt.time(10))
    with pytest.raises(ValidationError) as caught:
        services.subproject_update(subproject=sub, end_date=dt.date(2026, 9, 3))
    assert caught.value.message_dict == {"end_date": [ERR_SESSIONS_LEFT_OUTSIDE.format(date="2026-09-04")]}
