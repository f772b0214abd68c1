from django import template

from assessment import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def tutored_schemes(context):
    """The schemes a tutor or visiting-team member enters scores for, for the home page."""
    return list(selectors.tutor_schemes(user=context["request"].user))
