"""Group rules and exemptions: which requirement applies to a teacher."""

import datetime as dt
from typing import Any

from .models import CreditRequirement, RequirementExemption


def age_cutoff(*, year: int, min_age: int) -> dt.date:
    """Born on or before this day: aged `min_age` or more by 31 December of `year`."""
    return dt.date(year - min_age, 12, 31)


def _conditions(exemption: RequirementExemption, year: int) -> tuple[list[str], list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if exemption.gender:
        parts.append("tt.gender = %s")
        params.append(exemption.gender)
    if exemption.min_age is not None:
        parts.append("tt.birth_date <= %s")
        params.append(age_cutoff(year=year, min_age=exemption.min_age))
    if exemption.stage:
        parts.append("tt.stage = %s")
        params.append(exemption.stage)
    if exemption.post:
        parts.append("tt.post = %s")
        params.append(exemption.post)
    return parts, params


def exemption_sql(*, requirement: CreditRequirement, year: int) -> tuple[str, list[Any]]:
    """SQL over trainees_teacher `tt`: true when a whole-requirement exemption covers the teacher."""
    clauses, params = [], []
    for exemption in requirement.exemptions.all():
        if exemption.category_id is not None:
            continue
        parts, part_params = _conditions(exemption, year)
        clauses.append("(" + " AND ".join(parts) + ")")
        params += part_params
    if not clauses:
        return "1 = 0", []
    return " OR ".join(clauses), params


def minimum_exemption_sql(*, requirements: list[CreditRequirement], year: int) -> tuple[str, list[Any]]:
    """SQL over `tt` and a requirement minimum `m`: true when a category exemption lifts that minimum."""
    clauses, params = [], []
    for requirement in requirements:
        for exemption in requirement.exemptions.all():
            if exemption.category_id is None:
                continue
            parts, part_params = _conditions(exemption, year)
            clauses.append("(m.requirement_id = %s AND m.category_id = %s AND " + " AND ".join(parts) + ")")
            params += [requirement.pk, exemption.category_id, *part_params]
    if not clauses:
        return "1 = 0", []
    return " OR ".join(clauses), params
