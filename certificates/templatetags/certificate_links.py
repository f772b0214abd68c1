"""Download links for the certificates on other apps' pages (我的培训, the transcript), without those
apps reading this one's tables: one query per page through the certificates selector."""

from typing import Any

from django import template
from django.db.models import QuerySet

from certificates import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def certificates_of(context: Any, enrolments: Any) -> dict[int, Any]:
    """The certificate in force per enrolment of the page, for the user viewing it: one query, a
    subquery of the page's own list when it is a queryset (so also one when the list is empty)."""
    ids = enrolments.values("pk") if isinstance(enrolments, QuerySet) else [e.pk for e in enrolments]
    return selectors.certificates_by_enrolment(user=context["request"].user, enrolment_ids=ids)


@register.filter
def certificate_for(certificates: dict[int, Any], enrolment: Any) -> Any:
    return certificates.get(enrolment.pk)
