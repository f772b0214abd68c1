import pytest

from tests.factories.certificates import completed, make_course


@pytest.fixture
def course(world):
    """County X's finished course: teacher A (school A) and teacher B (school B) completed it."""
    return make_course(world.county_x)


@pytest.fixture
def enrolment_a(world, course):
    return completed(course, world.teacher_a)


@pytest.fixture
def enrolment_b(world, course):
    return completed(course, world.teacher_b)


@pytest.fixture
def cert_a(world, enrolment_a):
    from certificates.services import certificate_issue

    return certificate_issue(enrolment=enrolment_a, actor=world.staff_x)


@pytest.fixture
def cert_b(world, enrolment_b):
    from certificates.services import certificate_issue

    return certificate_issue(enrolment=enrolment_b, actor=world.staff_x)
