from django import template

from programs import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def my_enrolment_summary(context, limit: int = 5):
    """The logged-in teacher's latest enrolments and unread notice count, for the home page."""
    user = context["request"].user
    enrolments = list(selectors.my_enrolments(user=user)[:limit])
    unread = selectors.my_notices(user=user).filter(read_at__isnull=True).count()
    return {"enrolments": enrolments, "unread": unread}
