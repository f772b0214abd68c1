"""Serial numbers from a county's template, and the unguessable verification token."""

import secrets
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FIELD_COUNTY = "县区代码"
FIELD_YEAR = "年度"
FIELD_NUMBER = "序号"
FIELDS = (FIELD_COUNTY, FIELD_YEAR, FIELD_NUMBER)
MAX_LENGTH = 64  # the stored serial leaves room for a reissue suffix such as -R12

ERR_TEMPLATE_FIELD = "编号模板只能使用 {县区代码}、{年度}、{序号}"
ERR_TEMPLATE_NUMBER = "编号模板必须包含 {序号}，例如 {序号:05d}"
ERR_TEMPLATE_SYNTAX = "编号模板格式不正确"


def check_template(template: str) -> None:
    """Refuse templates with unknown fields, no running number, or a bad format spec."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValidationError(_(ERR_TEMPLATE_SYNTAX)) from exc
    names = [name for _text, name, _spec, _conv in parts if name is not None]
    if any(name not in FIELDS for name in names):
        raise ValidationError(_(ERR_TEMPLATE_FIELD))
    if FIELD_NUMBER not in names:
        raise ValidationError(_(ERR_TEMPLATE_NUMBER))
    try:
        sample = render(template, county_code="000000", year=2026, number=1)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValidationError(_(ERR_TEMPLATE_SYNTAX)) from exc
    if len(render(template, county_code="000000", year=2026, number=10**6)) > MAX_LENGTH or not sample.strip():
        raise ValidationError(_(ERR_TEMPLATE_SYNTAX))


def render(template: str, *, county_code: str, year: int, number: int) -> str:
    return template.format(**{FIELD_COUNTY: county_code, FIELD_YEAR: year, FIELD_NUMBER: number})


def reissue_serial(base: str, reissue_number: int) -> str:
    return f"{base}-R{reissue_number}" if reissue_number else base


def new_token() -> str:
    """160 bits from the OS's generator, URL-safe: the QR's address cannot be guessed or enumerated."""
    return secrets.token_urlsafe(20)


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明: enough to match a face, not to look someone up."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
