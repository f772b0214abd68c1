from django import forms
from django.utils.translation import gettext_lazy as _

from core.pickers import PickerField

from .models import (
    DEFAULT_PHASES,
    CycleTeamMember,
    MemberType,
    PhaseTask,
    Resource,
    TaskSubmission,
    VisitActivity,
    WorkshopStaff,
)


class CycleForm(forms.Form):
    subproject = forms.ModelChoiceField(label=_("子项目（送教下乡）"), queryset=None)
    subject = forms.CharField(label=_("学科"), max_length=32)
    stage = forms.CharField(label=_("学段"), max_length=16, required=False)
    phase_names = forms.CharField(
        label=_("阶段（按顺序，每行一个）"), widget=forms.Textarea(attrs={"rows": 4}), initial="\n".join(DEFAULT_PHASES)
    )

    def __init__(self, *args, subprojects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subproject"].queryset = subprojects

    def clean_phase_names(self):
        return [line.strip() for line in self.cleaned_data["phase_names"].splitlines() if line.strip()]


class PoolTypeForm(forms.Form):
    member_type = forms.ChoiceField(label=_("成员类型"), choices=MemberType.choices)
    is_active = forms.BooleanField(label=_("在库"), required=False)


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("阶段名称"), max_length=32)


class VisitForm(forms.Form):
    phase = forms.ModelChoiceField(label=_("阶段"), queryset=None)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    host_school = PickerField(label=_("承办学校"), kind="schools", queryset=None)
    title = forms.CharField(label=_("主题"), max_length=128, required=False)
    place = forms.CharField(label=_("地点"), max_length=128, required=False)
    hours = forms.DecimalField(label=_("学时"), max_digits=4, decimal_places=1, min_value=0, initial=0)

    def __init__(self, *args, phases, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = phases
        self.fields["host_school"].queryset = schools


class VisitDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    host_school = PickerField(label=_("承办学校"), kind="schools", queryset=None)
    place = forms.CharField(label=_("地点"), max_length=128, required=False)
    hours = forms.DecimalField(label=_("学时"), max_digits=4, decimal_places=1, min_value=0, initial=0)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_school"].queryset = schools


def _day_label(day) -> str:
    return f"{day.session.date:%Y-%m-%d}"


class ActivityForm(forms.ModelForm):
    class Meta:
        model = VisitActivity
        fields = ["day", "kind", "title", "presenter", "class_grade", "hours"]

    def __init__(self, *args, days, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = days
        self.fields["day"].label_from_instance = _day_label
        self.fields["presenter"].queryset = team
        self.fields["presenter"].help_text = _("研讨可不填主讲人")


class TeamMemberForm(forms.Form):
    member = PickerField(label=_("团队库成员"), kind="members", queryset=None)
    role = forms.ChoiceField(label=_("角色"), choices=CycleTeamMember.Role.choices)

    def __init__(self, *args, pool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = pool


class PoolMemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    teacher = PickerField(label=_("教师（可选）"), kind="teachers", queryset=None, required=False)
    member_type = forms.ChoiceField(
        label=_("成员类型"), choices=MemberType.choices, initial=MemberType.FRONTLINE, required=False
    )
    id_number = forms.CharField(label=_("身份证号（非本县教师，用于导入送教记录）"), max_length=18, required=False)
    subject = forms.CharField(label=_("学科"), max_length=32, required=False)
    title = forms.CharField(label=_("职称/职务"), max_length=64, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers

    def clean(self):
        data = super().clean()
        data["member_type"] = data.get("member_type") or MemberType.FRONTLINE
        if not data.get("name") and not data.get("teacher"):
            raise forms.ValidationError(_("请填写姓名或选择教师"))
        return data


class TaskForm(forms.ModelForm):
    class Meta:
        model = PhaseTask
        fields = ["phase", "title", "description", "due_date"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, phases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = phases


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class SubmissionForm(forms.Form):
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    files = MultipleFileField(label=_("附件"), required=False)


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("结果"), choices=[(TaskSubmission.Status.DONE, _("合格")), (TaskSubmission.Status.REDO, _("需重做"))]
    )
    comment = forms.CharField(label=_("评语"), max_length=500, required=False)


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("资源类型"), choices=Resource.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=128)
    phase = forms.ModelChoiceField(label=_("阶段"), queryset=None, required=False)
    visit = forms.ModelChoiceField(label=_("送教活动"), queryset=None, required=False)
    author_name = forms.CharField(label=_("作者姓名"), max_length=64, required=False)
    upload = forms.FileField(label=_("文件"))

    def __init__(self, *args, phases, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = phases
        self.fields["visit"].queryset = visits


class ResourceReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("结果"), choices=[(Resource.Status.APPROVED, _("已通过")), (Resource.Status.RETURNED, _("退回"))]
    )
    comment = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class WorkshopForm(forms.Form):
    subproject = forms.ModelChoiceField(label=_("子项目（教师工作坊研修）"), queryset=None)
    name = forms.CharField(label=_("工作坊名称"), max_length=128)
    subject = forms.CharField(label=_("学科"), max_length=32)
    host = PickerField(label=_("坊主"), kind="teachers", queryset=None, required=False)
    capacity = forms.IntegerField(label=_("人数上限"), min_value=1, initial=50)
    required_online_hours = forms.DecimalField(
        label=_("应修在线学时"), min_value=0.1, max_value=9999, initial=80, decimal_places=1
    )
    members_weight = forms.IntegerField(label=_("成员成绩权重"), min_value=0, max_value=100, initial=50)
    own_weight = forms.IntegerField(label=_("个人工作权重"), min_value=0, max_value=100, initial=50)

    def __init__(self, *args, subprojects, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subproject"].queryset = subprojects
        self.fields["host"].queryset = teachers


class WeightsForm(forms.Form):
    members_weight = forms.IntegerField(label=_("辅导教师、组长：成员成绩权重（%）"), min_value=0, max_value=100)
    own_weight = forms.IntegerField(label=_("辅导教师、组长：个人工作权重（%）"), min_value=0, max_value=100)
    required_online_hours = forms.DecimalField(
        label=_("成员应修在线学时"), min_value=0.1, max_value=9999, max_digits=6, decimal_places=1
    )
    online_weight = forms.IntegerField(label=_("成员成绩：在线学时权重（%）"), min_value=0, max_value=100)
    offline_weight = forms.IntegerField(label=_("成员成绩：线下研修出勤权重（%）"), min_value=0, max_value=100)
    tasks_weight = forms.IntegerField(label=_("成员成绩：研修任务权重（%）"), min_value=0, max_value=100)
    required_tasks = forms.IntegerField(label=_("成员应完成任务数"), min_value=1, max_value=999)


class WorkshopMemberForm(forms.Form):
    enrolment = forms.ModelChoiceField(label=_("学员"), queryset=None)
    group = forms.ModelChoiceField(label=_("研修小组"), queryset=None, required=False)

    def __init__(self, *args, candidates, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = candidates
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.teacher.name}（{e.school.name}）"
        self.fields["group"].queryset = groups


class WorkshopStaffForm(forms.Form):
    teacher = PickerField(label=_("教师"), kind="teachers", queryset=None)
    role = forms.ChoiceField(label=_("角色"), choices=WorkshopStaff.Role.choices)
    own_score = forms.DecimalField(
        label=_("个人工作得分"), min_value=0, max_value=100, decimal_places=1, required=False
    )

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers


class ResearchGroupForm(forms.Form):
    name = forms.CharField(label=_("小组名称"), max_length=64)
    leader = PickerField(label=_("组长"), kind="teachers", queryset=None, required=False)
    tutor = forms.ModelChoiceField(label=_("辅导教师"), queryset=None, required=False)
    leader_own_score = forms.DecimalField(
        label=_("组长个人工作得分"), min_value=0, max_value=100, decimal_places=1, required=False
    )

    def __init__(self, *args, teachers, tutors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = teachers
        self.fields["tutor"].queryset = tutors


class BookingForm(forms.Form):
    day = forms.ModelChoiceField(label=_("送教日"), queryset=None)
    member = forms.ModelChoiceField(label=_("团队成员"), queryset=None)

    def __init__(self, *args, days, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = days
        self.fields["day"].label_from_instance = _day_label
        self.fields["member"].queryset = team
