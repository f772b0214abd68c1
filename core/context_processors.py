from .scoping import is_admin, is_county_level, scope_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_scope": scope_of(user).kind,
        "nav_is_county": is_county_level(user),
        "nav_is_admin": is_admin(user),
    }
