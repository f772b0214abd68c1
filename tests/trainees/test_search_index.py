"""The teacher search's substring lookups are served by the trigram indexes (trainees 0003), on PostgreSQL.

The indexes are over `UPPER(col::text)`, the expression Django compiles `icontains` to: should either
side change, the index would be silently ignored and a province's search would read a million rows
(bench/province.py). Sequential scans are switched off so the plan shows whether the index can serve.
"""

import pytest
from django.db import connection, transaction

from tests.factories.registry import TeacherFactory
from trainees.models import Teacher


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # A GIN index is only ever read by a bitmap scan; without this, on a tiny table the planner may
        # walk another b-tree index for the list's ordering and filter, whatever the trigram index can do.
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lookup", "value", "index"),
    [
        ("name__icontains", "王建国", "trainees_teacher_name_trgm"),
        ("phone__icontains", "1381234", "trainees_teacher_phone_trgm"),
    ],
)
def test_substring_search_uses_the_trigram_index(lookup, value, index):
    TeacherFactory(name="王建国", phone="13812345678")
    TeacherFactory(name="李明", phone="13900000000")
    qs = Teacher.objects.filter(**{lookup: value})
    assert list(qs.values_list("name", flat=True)) == ["王建国"]
    assert index in _plan(qs)


@pytest.mark.postgresql
@pytest.mark.django_db
def test_name_or_phone_search_is_served_by_both_indexes():
    from django.db.models import Q

    TeacherFactory(name="王建国", phone="13812345678")
    plan = _plan(Teacher.objects.filter(Q(name__icontains="王建国") | Q(phone__icontains="王建国")))
    assert "trainees_teacher_name_trgm" in plan and "trainees_teacher_phone_trgm" in plan, plan
