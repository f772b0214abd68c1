from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.forms_util import submit
from core.pagination import paginate
from core.scoping import require_admin
from trainees import selectors as registry

from . import selectors, services
from .forms import PasswordResetByAdminForm, UserForm


def _form(request, instance=None, initial=None):
    user = request.user
    return UserForm(
        request.POST or None,
        counties=registry.county_choices(user=user),
        schools=registry.school_queryset(user=user).order_by("code"),
        teachers=registry.teacher_queryset(user=user),
        instance=instance,
        initial=initial,
    )


@login_required
def user_list(request):
    require_admin(request.user)
    q = request.GET.get("q", "").strip()
    page = paginate(request, selectors.user_list(user=request.user, q=q))
    return render(request, "accounts/user_list.html", {"page": page, "q": q})


def _scope_args(data):
    return {"county": data.get("county"), "school": data.get("school"), "teacher": data.get("teacher")}


@login_required
def user_create(request):
    require_admin(request.user)
    form = _form(request, initial={"county": request.user.county_id})
    done = submit(
        request,
        form,
        lambda data: services.user_create(
            username=data["username"],
            password=data["password"],
            role=data["role"],
            display_name=data["display_name"],
            email=data["email"],
            **_scope_args(data),
        ),
        success=_("账号已创建"),
        then="user_list",
    )
    if done:
        return done
    return render(request, "accounts/user_form.html", {"form": form, "title": _("新建账号")})


@login_required
def user_edit(request, pk: int):
    require_admin(request.user)
    target = selectors.user_get(user=request.user, pk=pk)
    initial = {
        "username": target.username,
        "display_name": target.display_name,
        "email": target.email,
        "role": target.role,
        "county": target.county_id,
        "school": target.school_id,
        "teacher_id_number": target.teacher.id_number if target.teacher_id else "",
        "is_active": target.is_active,
    }
    form = _form(request, instance=target, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.user_update(
            user=target,
            role=data["role"],
            display_name=data["display_name"],
            email=data["email"],
            is_active=data["is_active"],
            **_scope_args(data),
        ),
        success=_("账号已保存"),
        then="user_list",
    )
    if done:
        return done
    return render(request, "accounts/user_form.html", {"form": form, "title": _("编辑账号"), "target": target})


@login_required
def user_password(request, pk: int):
    require_admin(request.user)
    target = selectors.user_get(user=request.user, pk=pk)
    form = PasswordResetByAdminForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.user_set_password(user=target, password=data["password"]),
        success=_("密码已重置，该用户的登录会话已全部失效"),
        then="user_list",
        field="password",
    )
    if done:
        return done
    return render(request, "accounts/user_password.html", {"form": form, "target": target})
