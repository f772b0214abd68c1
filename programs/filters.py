import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Category, Enrolment, Level, Program, SubProject


class ProgramFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（项目/子项目/承办机构）"), method="search")
    year = django_filters.NumberFilter(label=_("年度"))
    level = django_filters.ChoiceFilter(label=_("级别"), choices=Level.choices)
    category = django_filters.ModelChoiceFilter(label=_("类别"), queryset=Category.objects.all())
    modality = django_filters.ChoiceFilter(
        label=_("形式"), choices=SubProject.Modality.choices, method="filter_modality"
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Program.Status.choices)

    class Meta:
        model = Program
        fields = ["q", "year", "level", "category", "modality", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matching = SubProject.objects.filter(Q(name__icontains=value) | Q(institution__icontains=value))
        return queryset.filter(
            Q(name__icontains=value) | Q(issuer__icontains=value) | Q(pk__in=matching.values("program_id"))
        )

    def filter_modality(self, queryset, name, value):
        # A subquery instead of a join keeps one row per program.
        return queryset.filter(pk__in=SubProject.objects.filter(modality=value).values("program_id"))


class TraineeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（姓名/项目）"), method="search")
    year = django_filters.NumberFilter(label=_("年度"), field_name="subproject__program__year")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Enrolment.Status.choices)
    # The home page's figures link here with these (see programs.desk).
    ack = django_filters.ChoiceFilter(
        label=_("参训通知"), choices=[("pending", _("未确认"))], method="filter_ack", empty_label=_("全部")
    )
    starts_within = django_filters.NumberFilter(label=_("开训天数内"), method="filter_starts_within", min_value=0)
    current = django_filters.ChoiceFilter(
        label=_("仅未结束的项目"), choices=[("1", _("是"))], method="filter_current", empty_label=_("全部")
    )

    class Meta:
        model = Enrolment
        fields = ["q", "year", "status", "ack", "starts_within", "current"]

    def filter_ack(self, queryset, name, value):
        from .desk import AWAITING_ANSWER, pending_notice

        return queryset.filter(pending_notice(), status__in=AWAITING_ANSWER) if value == "pending" else queryset

    def filter_starts_within(self, queryset, name, value):
        from .desk import starts_within

        if value is None:
            return queryset
        return queryset.filter(starts_within(timezone.localdate(), min(int(value), 366)))

    def filter_current(self, queryset, name, value):
        from .desk import not_ended

        return queryset.filter(not_ended(timezone.localdate())) if value == "1" else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(teacher__name__icontains=value)
            | Q(subproject__name__icontains=value)
            | Q(subproject__program__name__icontains=value)
        )
