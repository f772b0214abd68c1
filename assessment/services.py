"""Every write of the assessment app, by topic: scoring (schemes, scores, publication), credits (rules,
school-based training, the tally), surveys (anonymous answers) and registration (approval, corrections).
Imported here so callers have one place to look."""

from .credits import (  # noqa: F401
    credit_settings_save,
    requirement_save,
    school_project_decide,
    school_project_recognise,
    school_project_submit,
    school_session_record,
    tally_credits,
    tally_run_create,
    tally_run_execute,
)
from .registration import registration_approve, registration_return, registration_submit, tally_correct  # noqa: F401
from .scoring import scheme_compute, scheme_copy, scheme_publish, scheme_save, scores_save  # noqa: F401
from .surveys import survey_answer  # noqa: F401
