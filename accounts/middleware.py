from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# What a user who must change their password may still reach: the change itself, logging out,
# the language switch, static files and the health check.
ALLOWED = ("password_change", "password_change_done", "logout", "set_language")
ALLOWED_PREFIXES = ("/static/", "/healthz")


class PasswordChangeRequiredMiddleware:
    """An account opened or reset with a generated password goes to the password change first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in ALLOWED}
            if request.path not in allowed and not request.path.startswith(ALLOWED_PREFIXES):
                messages.info(request, _("这是初始密码，请先修改密码"))
                return redirect("password_change")
        return self.get_response(request)
