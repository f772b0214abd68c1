import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Cycle, Resource


class ResourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（标题/作者）"), method="search")
    cycle = django_filters.ModelChoiceFilter(label=_("周期"), queryset=Cycle.objects.none())
    kind = django_filters.ChoiceFilter(label=_("资源类型"), choices=Resource.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("审核状态"), choices=Resource.Status.choices)
    phase_name = django_filters.CharFilter(label=_("阶段"), field_name="phase__name")

    class Meta:
        model = Resource
        fields = ["q", "cycle", "kind", "status", "phase_name"]

    def __init__(self, *args, cycles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cycles is not None:
            self.filters["cycle"].queryset = cycles

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(author_name__icontains=value))
