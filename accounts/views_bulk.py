"""Teacher accounts in bulk: opened from the registry with a printable sheet of generated passwords,
reset by a coordinator for their own school; and the password change that lifts the first-login
requirement."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import bulk
from core.pickers import SchoolFilterForm
from core.scoping import SCHOOL, is_admin, require_admin, scope_of
from trainees import selectors as registry

from . import selectors, services


class OwnPasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, written through the service (which also lifts must_change_password)."""

    def form_valid(self, form):
        services.user_change_own_password(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改"))
        return HttpResponseRedirect(self.get_success_url())


def _sheet(request, made, title: str):
    context = {"rows": made, "title": title, "printed_at": timezone.localtime()}
    return render(request, "accounts/password_sheet.html", context)


@never_cache
@login_required
def teacher_accounts_create(request):
    """Administrators open accounts for registry teachers without one: a school's, or the county's."""
    require_admin(request.user)
    school_form = SchoolFilterForm(request.GET, schools=registry.school_queryset(user=request.user))
    chosen = school_form.chosen(request)
    school_id = chosen.pk if chosen else None
    waiting = selectors.teachers_without_account(user=request.user, school_id=school_id)
    data = request.POST if request.method == "POST" else None
    form = bulk.BulkForm(data, rows=bulk.selected(data, waiting))
    made = bulk.run(form, lambda: services.teacher_accounts_create(teachers=form.rows, actor=request.user))
    if made:
        return _sheet(request, made, _("教师账号初始密码"))
    context = {
        "form": form,
        "teachers": waiting,
        "school_form": school_form,
        "school_id": school_id,
    }
    return render(request, "accounts/teacher_accounts_create.html", context)


@never_cache
@login_required
def teacher_passwords_reset(request):
    """A coordinator resets their school's teachers' passwords (an administrator, the county's)."""
    if scope_of(request.user).kind != SCHOOL and not is_admin(request.user):
        raise PermissionDenied
    school_form = SchoolFilterForm(request.GET, schools=registry.school_queryset(user=request.user))
    chosen = school_form.chosen(request) if is_admin(request.user) else None
    school_id = chosen.pk if chosen else None
    accounts = selectors.teacher_accounts(user=request.user, school_id=school_id)
    data = request.POST if request.method == "POST" else None
    form = bulk.BulkForm(data, rows=bulk.selected(data, accounts))
    made = bulk.run(form, lambda: services.passwords_reset(users=form.rows, actor=request.user))
    if made:
        return _sheet(request, made, _("教师账号重置密码"))
    context = {
        "form": form,
        "accounts": accounts,
        "school_form": school_form if is_admin(request.user) else None,
        "school_id": school_id,
    }
    return render(request, "accounts/teacher_passwords_reset.html", context)
