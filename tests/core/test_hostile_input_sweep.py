"""Every URL of the permission matrix, GET and POST, with hostile values for every parameter it knows.

The parameters are the names of the page's own form fields (read from what it renders) plus the
filter names views commonly read. Non-integers, negative and huge numbers, NUL, 20,000 characters:
a page may answer 400, ignore the filter (with a message) or show a form error, never 500.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_permission_matrix import ENTRIES, _user_for

COMMON = ("q", "page", "year", "school", "county", "status", "program", "subproject", "session", "township",
          "kind", "month", "format", "saved", "category", "level", "year_from", "year_to")  # fmt: skip
HOSTILE = ("abc", "-1", "99999999999999999999", "a\x00b", "x" * 20_000)
# Each filter alone: the type confusion a view's own parsing trips on, which a value refused earlier
# in the same request would hide.
ALONE = "abc"
# The role reaching the most code: one who may change (county, else an office above), else a
# school's coordinator or a teacher; a POST-only URL (405 on GET) is posted to by the county.
ROLE_ORDER = ("admin_x", "staff_x", "city_admin", "coord_a", "teacher")
FIELD = re.compile(rb"<(?:input|select|textarea)\b[^>]*\bname=\"([A-Za-z0-9_\-\[\].]+)\"")
GET_FORM = re.compile(rb"<form\b[^>]*method=\"get\"[^>]*>(.*?)</form>", re.S | re.I)
SKIP_FIELDS = {"csrfmiddlewaretoken"}


def _names(html: bytes) -> set[str]:
    return {m.decode() for m in FIELD.findall(html)} - SKIP_FIELDS


def _role(case) -> str | None:
    return next((r for r in ROLE_ORDER if case.expect[r] == 200), None) or next(
        (r for r in ("admin_x", "coord_a") if case.expect[r] == 405), None
    )


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_no_hostile_value_answers_500(world, name):
    case = ENTRIES[name]
    url = reverse(name, args=case.setup(world))
    base = dict(pair.split("=", 1) for pair in case.query.split("&")) if case.query else {}
    role = _role(case)
    if role is None:  # nobody gets in: every request is refused before any input is read
        return
    client = Client(raise_request_exception=False)
    client.force_login(_user_for(world, role))
    failures = []

    def check(method, data):
        response = getattr(client, method)(url, data)
        if response.status_code >= 500 and not (name == "healthz" and response.status_code == 503):
            value = next((v for k, v in data.items() if v != base.get(k)), "")
            names = sorted(k for k, v in data.items() if v != base.get(k))
            shown = ",".join(names) if len(names) < 4 else f"{len(names)} parameters"
            failures.append(f"{role} {method.upper()} {url} {shown}={value[:12]!r}: {response.status_code}")

    first = client.get(url, base)
    html = b"" if first.streaming else first.content
    params = sorted(_names(html) | set(COMMON))
    filters = sorted({n for form in GET_FORM.findall(html) for n in _names(form)} | set(COMMON[:7]))
    for value in HOSTILE:
        check("get", {**base, **dict.fromkeys(params, value)})
        check("post", {**base, **dict.fromkeys(params, value)})
    for param in filters:
        check("get", {**base, param: ALONE})
    assert not failures, "\n".join(failures[:40])
