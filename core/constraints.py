"""Database constraints that explain themselves.

Every `CheckConstraint` / `UniqueConstraint` sets a Chinese `violation_error_message`; a model that
mixes in `ExplainedConstraints` names, in `constraint_fields`, the field each constraint concerns,
so `full_clean()` reports the message on that field (Django puts it above the form otherwise).
tests/core/test_constraint_messages.py fails on a constraint left without a message or a field.
"""

from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router


class ExplainedConstraints:
    # constraint name -> field name; a constraint about the row as a whole maps to NON_FIELD_ERRORS.
    constraint_fields: ClassVar[dict[str, str]] = {}

    def validate_constraints(self, exclude=None):
        # Django's Model.validate_constraints, keeping which constraint failed so its error can be
        # put on its field.
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    field = self.constraint_fields.get(constraint.name)
                    if field is None and getattr(exc, "code", None) == "unique" and len(constraint.fields) == 1:
                        field = constraint.fields[0]
                    if field and field != NON_FIELD_ERRORS:
                        errors.setdefault(field, []).append(exc)
                    else:
                        errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
