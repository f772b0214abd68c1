import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.pickers import PickerFilter

from .models import Region, School, Teacher

YES_NO = (("1", _("是")), ("0", _("否")))


class TeacherFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（姓名/手机号）"), method="search", max_length=64)
    school = PickerFilter(label=_("学校"), kind="schools", queryset=School.objects.none())
    township = django_filters.ModelChoiceFilter(
        label=_("乡镇"), field_name="school__township", queryset=Region.objects.none()
    )
    stage = django_filters.ChoiceFilter(label=_("学段"), choices=Teacher.Stage.choices)
    subject = django_filters.CharFilter(label=_("学科"), lookup_expr="exact")
    is_rural = django_filters.ChoiceFilter(label=_("乡村教师"), choices=YES_NO, empty_label=_("全部"), method="rural")

    class Meta:
        model = Teacher
        fields = ["q", "school", "township", "stage", "subject", "is_rural"]

    def __init__(self, *args, schools=None, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.filters["school"].queryset = schools
        if townships is not None:
            self.filters["township"].queryset = townships

    def rural(self, queryset, name, value):
        return queryset.filter(is_rural=value == "1")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # Never the ID number: a substring match confirms a guess in one request, and a query string
        # lands in access logs. A full number is looked up by POST (`TeacherIdLookupForm`).
        return queryset.filter(Q(name__icontains=value) | Q(phone__icontains=value))


class SchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（代码/名称）"), method="search")
    township = django_filters.ModelChoiceFilter(label=_("乡镇"), queryset=Region.objects.none())
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=School.Kind.choices)
    area = django_filters.ChoiceFilter(label=_("城乡"), choices=School.Area.choices)

    class Meta:
        model = School
        fields = ["q", "township", "kind", "area"]

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if townships is not None:
            self.filters["township"].queryset = townships

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset
