"""A read in one thread never makes another thread's write fail: the browser tests' live server polls
a job's status while the in-process Celery worker updates it (on PostgreSQL by MVCC; on SQLite's
shared in-memory test database because the tests' reads take no table locks, see tests/conftest.py)."""

import threading

from trainees.models import Region


def test_a_write_in_another_thread_goes_through_beside_an_open_read(transactional_db):
    Region.objects.bulk_create(Region(name=f"读写省{i}", level="province") for i in range(50))
    rows = Region.objects.order_by("pk").iterator(chunk_size=1)
    first = next(rows)  # the read stays open on the table
    failures: list[BaseException] = []

    def write():
        from django.db import connection

        try:
            Region.objects.filter(pk=first.pk).update(name="已改名")
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=30)
    assert len(list(rows)) == 49
    assert failures == []
    assert Region.objects.get(pk=first.pk).name == "已改名"
