"""Every GET page of the permission matrix, as each role that may open it, in a county larger than a
select may list: no select longer than MAX_SELECT_OPTIONS (item 3), every page its own <title>, and
no blank choice left as Django's "---------" (item 8)."""

import datetime as dt
import itertools
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from core.pickers import MAX_SELECT_OPTIONS
from outreach.models import TeamPool
from tests.factories.registry import make_id_number
from tests.permission_matrix.spec import ROLES
from tests.test_permission_matrix import ENTRIES, _user_for
from trainees.models import School, Teacher

_serial = itertools.count(900_000)
DEFAULT_TITLE = "教师培训管理 · Peixun"


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.selects: list[list[str | None]] = []  # [name, options]
        self.options: list[int] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.selects.append([dict(attrs).get("name")])
            self.options.append(0)
        elif tag == "option" and self.options:
            self.options[-1] += 1
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@pytest.fixture
def crowded(world):
    """More schools in county X and more teachers in school A than a select may list, and a full pool."""
    many = MAX_SELECT_OPTIONS + 5
    School.objects.bulk_create(
        School(code=f"C{i:05d}", name=f"甲县第{i}校", county=world.county_x, kind=School.Kind.VILLAGE, area="rural")
        for i in range(many)
    )
    Teacher.objects.bulk_create(
        Teacher(
            name=f"多{i}",
            id_number=make_id_number(next(_serial)),
            gender="M",
            birth_date=dt.date(1985, 6, 15),
            school=world.school_a,
        )
        for i in range(many)
    )
    TeamPool.objects.bulk_create(TeamPool(county=world.county_x, name=f"团队{i}") for i in range(many))
    return world


GET_PAGES = sorted(name for name, case in ENTRIES.items() if 200 in case.expect.values())


@pytest.mark.parametrize("name", GET_PAGES)
def test_every_page_has_short_selects_its_own_title_and_labelled_blanks(crowded, name):
    case = ENTRIES[name]
    url = reverse(name, args=case.setup(crowded)) + (f"?{case.query}" if case.query else "")
    for role in ROLES:
        if case.expect[role] != 200:
            continue
        client = Client()
        user = _user_for(crowded, role)
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        long = [(s[0], n) for s, n in zip(page.selects, page.options, strict=True) if n > MAX_SELECT_OPTIONS]
        assert not long, f"{name} as {role}: selects with more than {MAX_SELECT_OPTIONS} options: {long}"
        title = " ".join(page.title.split())
        assert title and title != DEFAULT_TITLE, f"{name} as {role}: the page has no title of its own"
        assert ">---------<" not in response.content.decode(), f"{name} as {role}: a blank choice reads ---------"
