"""Every page of the permission matrix and every export, as each role, scanned for 身份证号.

Policy (trainees/idcard.py): below the administrator, a 身份证号 is shown masked (first four digits,
last four) with the birth year at most. The scan fails on any 18-character ID-shaped number with a
valid check digit, on any ID of the database's teachers, and on a masked number shown together with
its holder's birth date (or year and month), which leaves fewer than 1,000 candidates.

The county administrator (管理员) is exempt: the administrator keeps the registry (a wrong number is
corrected in admin), reconciles it with the national teacher information system and signs off the
rosters sent upward, all of which need the full number; the role is one or two people per county.
Every other role, including county staff, coordinators, teachers and the offices above the county, is
scanned.
"""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_permission_matrix import ENTRIES, _user_for
from trainees.idcard import check_digit, mask_id_number
from trainees.models import Teacher

SCANNED_ROLES = (
    "teacher", "coord_a", "coord_b", "staff_x", "staff_y",
    "city_admin", "city_staff", "province_admin", "province_staff", "city_other",
)  # fmt: skip
ID_SHAPE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
MIN_CANDIDATES = 1000
# The sample number printed in GB 11643-1999, the import templates' example row.
PUBLISHED_SAMPLES = {"11010519491231002X"}


def candidates(mask: str, days: list[dt.date]) -> int:
    """How many valid numbers agree with `mask` ('*' hidden) and one of `days` as the birth date."""
    count = 0
    hidden_region = [i for i in range(6) if mask[i] == "*"]
    for day in days:
        digits = list(mask)
        digits[6:14] = f"{day:%Y%m%d}"
        if any(m != "*" and m != d for m, d in zip(mask[6:14], digits[6:14], strict=True)):
            continue
        for n in range(10 ** len(hidden_region)):
            fill = f"{n:0{len(hidden_region)}d}" if hidden_region else ""
            for pos, ch in zip(hidden_region, fill, strict=True):
                digits[pos] = ch
            tail = "".join(digits[14:17])
            if "*" in tail:
                count += 10 ** tail.count("*")  # unknown sequence digits: the check digit still varies
                continue
            if mask[17] == "*" or check_digit("".join(digits[:17])) == mask[17]:
                count += 1
    return count


def _birth_disclosures(text: str, birth: dt.date) -> list[dt.date]:
    """The days a reader could take as the birth date from what `text` shows of it."""
    full = (f"{birth:%Y-%m-%d}", f"{birth:%Y/%m/%d}", f"{birth:%Y%m%d}", f"{birth:%Y.%m.%d}",
            f"{birth.year}年{birth.month}月{birth.day}日", f"{birth:%Y年%m月%d日}")  # fmt: skip
    if any(form in text for form in full):
        return [birth]
    month = (f"{birth:%Y-%m}", f"{birth:%Y/%m}", f"{birth.year}年{birth.month}月", f"{birth:%Y年%m月}", f"{birth:%Y%m}")
    if any(form in text for form in month):
        first = birth.replace(day=1)
        return [first + dt.timedelta(days=d) for d in range(31) if (first + dt.timedelta(days=d)).month == birth.month]
    return []


def _texts(body: bytes) -> list[str]:
    """The readable text of a response: HTML/CSV/JSON as is, every cell of a workbook, every zip entry."""
    if body[:2] != b"PK":
        return [body.decode("utf-8", errors="replace")]
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(body), read_only=True)
    except Exception:  # noqa: BLE001 - not a workbook: a zip of files
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [t for name in archive.namelist() for t in _texts(archive.read(name))]
    cells = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, dt.datetime | dt.date):
                    cells.append(value.strftime("%Y-%m-%d"))
                elif value is not None:
                    cells.append(str(value))
    return ["\n".join(cells)]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def leaks(text: str, teachers: list[tuple[str, dt.date]]) -> list[str]:
    found = [
        f"ID-shaped number {m}"
        for m in ID_SHAPE.findall(text)
        if check_digit(m[:17]) == m[17].upper() and m.upper() not in PUBLISHED_SAMPLES
    ]
    for number, birth in teachers:
        if number in text:
            found.append(f"full ID {number}")
            continue
        mask = mask_id_number(number)
        if mask in text:
            days = _birth_disclosures(text, birth)
            if days and candidates(mask, days) < MIN_CANDIDATES:
                found.append(f"{mask} with its birth date {birth}: {candidates(mask, days)} candidates")
    return found


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_no_page_or_export_shows_an_id_number(world, name):
    case = ENTRIES[name]
    url = reverse(name, args=case.setup(world)) + (f"?{case.query}" if case.query else "")
    teachers = list(Teacher.objects.values_list("id_number", "birth_date"))
    problems = []
    for role in SCANNED_ROLES:
        if case.expect[role] != 200:
            continue
        client = Client()
        client.force_login(_user_for(world, role))
        response = client.get(url)
        pages = [(url, _body(response))]
        if b"format=xlsx" in pages[0][1]:
            export = f"{url}{'&' if '?' in url else '?'}format=xlsx"
            pages.append((export, _body(client.get(export))))
        for where, body in pages:
            for text in _texts(body):
                problems += [f"{role} {where}: {leak}" for leak in leaks(text, teachers)]
    assert not problems, "\n".join(problems)


def test_the_scan_sees_a_full_number_and_a_mask_beside_its_birth_date():
    number = "320102198506151234"
    number = number[:17] + check_digit(number[:17])
    birth = dt.date(1985, 6, 15)
    assert leaks(f"<td>{number}</td>", [])
    assert leaks(f"{mask_id_number(number)} 出生日期 1985-06-15", [(number, birth)])
    assert leaks(f"{mask_id_number(number)} 1985年6月", [(number, birth)])
    # The birth year alone leaves the two county digits and every day of the year.
    assert not leaks(f"{mask_id_number(number)} 出生年份 1985", [(number, birth)])
    assert candidates(mask_id_number(number), [birth]) < 20
