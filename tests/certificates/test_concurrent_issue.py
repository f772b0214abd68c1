"""Two requests issuing the same certificate at the same moment (a double click, a batch beside a
clerk): one certificate, one serial, and both requests answer with it."""

import threading

import pytest
from django.db import connection, connections

from certificates import eligibility, services
from certificates.models import Certificate, SerialCounter
from tests.factories.certificates import completed, make_course

pytestmark = pytest.mark.django_db(transaction=True)


def _race(monkeypatch, issue):
    """Run `issue` in two threads that both pass the "already issued?" check before either writes."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions with row locks (CI runs this on PostgreSQL)")
    barrier = threading.Barrier(2, timeout=30)
    real = eligibility.evaluate

    def evaluate_together(**kwargs):
        barrier.wait()  # both requests have looked for an existing certificate and found none
        return real(**kwargs)

    monkeypatch.setattr(eligibility, "evaluate", evaluate_together)
    results, errors = [], []

    def worker():
        try:
            results.append(issue())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    return results


def test_two_requests_issue_one_completion_certificate(world, monkeypatch):
    enrolment = completed(make_course(world.county_x), world.teacher_a)
    results = _race(monkeypatch, lambda: services.certificate_issue(enrolment=enrolment, actor=world.staff_x))
    (only,) = Certificate.objects.filter(enrolment=enrolment)
    assert [r.pk for r in results] == [only.pk, only.pk]
    # The refused request's serial was rolled back with it: the next certificate takes the next number.
    assert SerialCounter.objects.get(county=world.county_x).last == 1
    assert only.file.storage.exists(only.file.name)
