"""Chinese resident ID numbers (GB 11643-1999): check digit, birth date, gender, masking."""

import datetime as dt
import functools
import operator
import time
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

ERR_LENGTH = "身份证号应为 18 位"
ERR_FORMAT = "身份证号前 17 位应为数字，最后一位为数字或 X"
ERR_CHECKSUM = "身份证号校验位不正确"
ERR_BIRTH = "身份证号中的出生日期无效"
ERR_HALF_WIDTH = "身份证号应使用半角数字和字母 X（不能用全角或上标数字）"


class IdInfo(NamedTuple):
    """A decoded number (a named tuple: an import makes one per row, and a tuple is quickest to make)."""

    number: str
    birth_date: dt.date
    gender: str  # "M" or "F"


_DIGIT_OFFSET = 48 * sum(_WEIGHTS)  # "0" is byte 48: the weighted sum of the bytes less this


def check_digit(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    return _CHECK_CHARS[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


@functools.lru_cache(maxsize=1)
def _today_at(hour: int) -> dt.date:
    return dt.date.today()  # noqa: DTZ011 - a calendar date in the deployment's own zone


def _today() -> dt.date:
    """Today's date, looked up once an hour (an import checks hundreds of thousands of numbers)."""
    return _today_at(int(time.time() // 3600))


def normalize_id_number(raw: object) -> str:
    if raw.__class__ is str:
        return raw.strip().upper().replace(" ", "")
    return str(raw or "").strip().upper().replace(" ", "")


def parse_id_number(raw: object, *, today: dt.date | None = None) -> IdInfo:
    """Validate and decode an ID number; raise ValidationError with a Chinese message."""
    number = normalize_id_number(raw)
    if not number.isascii():
        # str.isdigit() accepts full-width, superscript and other scripts' digits; the database does not.
        raise ValidationError(_(ERR_HALF_WIDTH), code="format")
    if len(number) != 18:
        raise ValidationError(_(ERR_LENGTH), code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_(ERR_FORMAT), code="format")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(_(ERR_BIRTH), code="birth") from exc
    today = today or _today()
    if birth.year < 1900 or birth > today:
        raise ValidationError(_(ERR_BIRTH), code="birth")
    # The 17 leading characters are ASCII digits here, so their bytes give the weighted sum directly.
    if _CHECK_CHARS[(sum(map(operator.mul, number[:17].encode(), _WEIGHTS)) - _DIGIT_OFFSET) % 11] != number[17]:
        raise ValidationError(_(ERR_CHECKSUM), code="checksum")
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, birth_date=birth, gender=gender)


def validate_id_number(value: str) -> None:
    parse_id_number(value)


# What a non-administrator may learn of a 身份证号 (PIPL: sensitive personal information): the masked
# number below (first four digits, last four) and the birth YEAR, never the birth date, and a search
# only by the full number as an exact match, sent by POST. Together these leave the two hidden
# county digits times every day of the year (about 3,300 candidates once the check digit is applied);
# the birth date would leave about ten. tests/core/test_personal_data_scan.py holds every page to it.
def mask_id_number(number: str) -> str:
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
