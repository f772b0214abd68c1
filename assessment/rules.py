"""Group rules and exemptions: which requirement applies to a teacher."""

import datetime as dt
from typing import Any

from .models import CreditRequirement


def age_cutoff(*, year: int, min_age: int) -> dt.date:
    """Born on or before this day: aged `min_age` or more by 31 December of `year`."""
    return dt.date(year - min_age, 12, 31)


def exemption_sql(*, requirement: CreditRequirement, year: int) -> tuple[str, list[Any]]:
    """SQL over trainees_teacher `tt`: true when an exemption of `requirement` covers the teacher."""
    clauses, params = [], []
    for exemption in requirement.exemptions.all():
        parts = []
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
        clauses.append("(" + " AND ".join(parts) + ")")
    if not clauses:
        return "1 = 0", []
    return " OR ".join(clauses), params
