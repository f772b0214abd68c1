import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from trainees.idcard import check_digit, mask_id_number, parse_id_number

TODAY = dt.date(2026, 11, 23)
births = st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2008, 12, 31))
regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
orders = st.integers(min_value=0, max_value=999)


def build(region: str, birth: dt.date, order: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


@given(regions, births, orders)
def test_every_well_formed_number_is_accepted_and_decoded(region, birth, order):
    info = parse_id_number(build(region, birth, order), today=TODAY)
    assert info.birth_date == birth
    assert info.gender == ("M" if order % 2 else "F")


@given(regions, births, orders, st.sampled_from("0123456789X"))
def test_a_wrong_check_digit_is_refused(region, birth, order, wrong):
    number = build(region, birth, order)
    if wrong == number[-1]:
        return
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number[:-1] + wrong, today=TODAY)
    assert exc.value.code == "checksum"


@given(regions, births, orders, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_is_detected(region, birth, order, position, delta):
    number = build(region, birth, order)
    digit = (int(number[position]) + delta) % 10
    tampered = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(ValidationError):
        parse_id_number(tampered, today=TODAY)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("32010219850615123", "length"),
        ("3201021985061512345", "length"),
        ("32010219850615A234", "format"),
        ("32010219850230123X", "birth"),  # 30 February
        ("320102203001011234", "birth"),  # in the future
    ],
)
def test_malformed_numbers_are_refused_with_a_reason(number, code):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number, today=TODAY)
    assert exc.value.code == code


def test_lowercase_x_and_spaces_are_normalised():
    number = build("320102", dt.date(1990, 1, 1), 1)
    if number[-1] != "X":
        number = build("320102", dt.date(1990, 1, 1), 3)
    messy = " " + number[:-1] + number[-1].lower() + " "
    assert parse_id_number(messy, today=TODAY).number == number.upper()


def test_masking_keeps_the_first_and_last_four():
    assert mask_id_number("320102198506151234") == "3201**********1234"


@pytest.mark.parametrize(
    "number",
    [
        "３２０１０２１９８５０６１５１２３４",  # full-width digits
        "32010219850615123²",  # a superscript two, which str.isdigit() accepts
        "٣٢٠١٠٢١٩٨٥٠٦١٥١٢٣٤",  # Arabic-Indic digits
    ],
)
def test_digits_other_than_ascii_are_refused_as_not_half_width(number):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number, today=TODAY)
    assert exc.value.code == "format"
    assert "半角" in exc.value.messages[0]


def test_a_remembered_birth_date_still_decides_each_number():
    # The second sight of each eight digits comes from memory, and must decide as the first did.
    for _round in range(2):
        with pytest.raises(ValidationError) as exc:
            parse_id_number("32010219850230123X", today=TODAY)
        assert exc.value.code == "birth"
        assert parse_id_number(build("320102", dt.date(1985, 2, 28), 12), today=TODAY).birth_date == dt.date(
            1985, 2, 28
        )
        with pytest.raises(ValidationError) as exc:
            parse_id_number(build("320102", dt.date(2026, 11, 24), 12), today=TODAY)
        assert exc.value.code == "birth"
