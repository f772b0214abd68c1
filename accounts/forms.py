from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core.pickers import PickerField
from trainees.idcard import normalize_id_number
from trainees.models import Teacher

from .models import REGION_ROLES, Role, User


class UserForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    county = forms.ModelChoiceField(label=_("县区"), queryset=None, required=False)
    school = PickerField(label=_("学校"), kind="schools", queryset=None, required=False)
    teacher_id_number = forms.CharField(label=_("教师身份证号（教师账号）"), max_length=18, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, required=False)

    def __init__(self, *args, counties, schools, teachers, instance: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A county administrator manages county accounts; offices above the county are set up from above.
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value not in REGION_ROLES]
        self.fields["county"].queryset = counties
        self.fields["school"].queryset = schools
        self.teachers = teachers
        self.instance = instance
        if instance is not None:
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True
            del self.fields["is_active"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if self.instance is None and User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("用户名已存在"))
        return username

    def clean(self):
        data = super().clean()
        number = normalize_id_number(data.get("teacher_id_number"))
        data["teacher"] = None
        if data.get("role") == Role.TEACHER:
            try:
                data["teacher"] = self.teachers.get(id_number=number)
            except Teacher.DoesNotExist:
                self.add_error("teacher_id_number", _("在您的范围内找不到该身份证号的教师"))
        return data


class PasswordResetByAdminForm(forms.Form):
    password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)


class LoginForm(AuthenticationForm):
    """The login box also takes a teacher's 身份证号 or 手机号 (accounts.backends)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名 / 身份证号 / 手机号")
        self.fields["username"].max_length = 150
