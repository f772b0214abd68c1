"""Chinese resident ID numbers (GB 11643-1999): check digit, birth date, gender, masking."""

import datetime as dt
import functools
import operator
import re
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


# The shape of a well-formed number in one C-speed match: 17 ASCII digits (re.ASCII: full-width and
# other scripts' digits are not \d here) and a digit or X. Only a number that fails it is looked at
# piece by piece, for the message.
_SHAPE = re.compile(r"\d{17}[\dX]", re.ASCII)
# Birth dates by their eight digits: an import checks hundreds of thousands of numbers, whose births
# fall on some 20,000 days. None marks digits that are no date. Bounded by what there is to remember
# (every day from 1900 to 2100 and the invalid spellings seen), kept below _BIRTHS_LIMIT regardless.
_BIRTHS: dict[str, dt.date | None] = {}
_BIRTHS_LIMIT = 200_000


def _birth(digits: str) -> dt.date | None:
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        birth = None
    if len(_BIRTHS) < _BIRTHS_LIMIT:
        _BIRTHS[digits] = birth
    return birth


def _shape_error(number: str) -> ValidationError:
    if not number.isascii():
        # str.isdigit() accepts full-width, superscript and other scripts' digits; the database does not.
        return ValidationError(_(ERR_HALF_WIDTH), code="format")
    if len(number) != 18:
        return ValidationError(_(ERR_LENGTH), code="length")
    return ValidationError(_(ERR_FORMAT), code="format")


def parse_id_number(raw: object, *, today: dt.date | None = None) -> IdInfo:
    """Validate and decode an ID number; raise ValidationError with a Chinese message."""
    number = normalize_id_number(raw)
    if _SHAPE.fullmatch(number) is None:
        raise _shape_error(number)
    digits = number[6:14]
    birth = _BIRTHS[digits] if digits in _BIRTHS else _birth(digits)
    if birth is None or birth.year < 1900 or birth > (today or _today()):
        raise ValidationError(_(ERR_BIRTH), code="birth")
    # The 17 leading characters are ASCII digits here, so their bytes give the weighted sum directly.
    if _CHECK_CHARS[(sum(map(operator.mul, number[:17].encode(), _WEIGHTS)) - _DIGIT_OFFSET) % 11] != number[17]:
        raise ValidationError(_(ERR_CHECKSUM), code="checksum")
    return IdInfo(number, birth, "M" if number[16] in "13579" else "F")


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
