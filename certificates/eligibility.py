"""Who earns a sub-project's 结业证书, and why not for everyone else."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from programs.models import Enrolment, SubProject

from . import sources
from .models import DEFAULT_MIN_ATTENDANCE, CertificateRule

# Why a trainee is not eligible (ERR_: extracted for translation with the error messages).
ERR_REASON_NOT_COMPLETED = "未结业（{status}）"
ERR_REASON_NOT_PASSED = "考核未合格或成绩未发布"
ERR_REASON_ATTENDANCE = "出勤率 {rate}%，低于 {minimum}%"


@dataclass(frozen=True)
class Rule:
    min_attendance: Decimal = DEFAULT_MIN_ATTENDANCE
    require_pass: bool = True


@dataclass
class Verdict:
    enrolment: Enrolment
    attendance: Decimal | None  # percent; None when the sub-project has no sessions
    reasons: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons


def rule_for(subproject: SubProject) -> Rule:
    row = CertificateRule.objects.filter(subproject=subproject).first()
    return Rule(min_attendance=row.min_attendance, require_pass=row.require_pass) if row else Rule()


def _percent(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')):f}"


def evaluate(*, subproject: SubProject, enrolments: Any, rule: Rule | None = None) -> list[Verdict]:
    """One verdict per participating enrolment given, in their order; four queries whatever their number."""
    rule = rule or rule_for(subproject)
    rates = sources.attendance_percent_by_enrolment(subproject=subproject)
    has_sessions = sources.session_count(subproject=subproject) > 0
    check_pass = rule.require_pass and sources.has_assessment_scheme(subproject=subproject)
    passed = sources.passed_enrolment_ids(subproject=subproject) if check_pass else set()
    verdicts = []
    for e in enrolments:
        if e.status not in Enrolment.PARTICIPATING:
            continue
        rate = rates.get(e.pk, Decimal(0)) if has_sessions else None
        verdict = Verdict(enrolment=e, attendance=rate)
        if e.status != Enrolment.Status.COMPLETED:
            verdict.reasons.append(_(ERR_REASON_NOT_COMPLETED).format(status=e.get_status_display()))
        if check_pass and e.pk not in passed:
            verdict.reasons.append(_(ERR_REASON_NOT_PASSED))
        # Compared exactly: 79.9 % is below 80 %, 80 % is enough.
        if rate is not None and rate < rule.min_attendance:
            verdict.reasons.append(
                _(ERR_REASON_ATTENDANCE).format(rate=_percent(rate), minimum=_percent(rule.min_attendance))
            )
        verdicts.append(verdict)
    return verdicts
