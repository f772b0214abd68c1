from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CreditRequirement(models.Model):
    """A county's yearly continuing-education requirement per teacher, in hours 学时."""

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    total_hours = models.DecimalField(_("年度总学时"), max_digits=6, decimal_places=1)
    min_centralized = models.DecimalField(_("集中培训最低学时"), max_digits=6, decimal_places=1, default=0)
    min_online = models.DecimalField(_("网络培训最低学时"), max_digits=6, decimal_places=1, default=0)
    min_school_based = models.DecimalField(_("校本研训最低学时"), max_digits=6, decimal_places=1, default=0)
    cycle_total_hours = models.DecimalField(_("五年周期总学时"), max_digits=7, decimal_places=1, default=360)

    class Meta:
        verbose_name = _("学时要求")
        verbose_name_plural = _("学时要求")
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="requirement_unique_county_year"),
            models.CheckConstraint(
                condition=Q(total_hours__gte=0, min_centralized__gte=0, min_online__gte=0, min_school_based__gte=0),
                name="requirement_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.year}"


class CreditTally(models.Model):
    """One teacher's computed hours and credits for one year (written by the tally, never typed in)."""

    teacher = models.ForeignKey("trainees.Teacher", on_delete=models.CASCADE, related_name="credit_tallies")
    year = models.PositiveSmallIntegerField(_("年度"))
    county = models.ForeignKey("trainees.Region", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("trainees.School", on_delete=models.PROTECT, related_name="credit_tallies")
    centralized_hours = models.DecimalField(_("集中培训学时"), max_digits=7, decimal_places=1, default=0)
    online_hours = models.DecimalField(_("网络培训学时"), max_digits=7, decimal_places=1, default=0)
    school_based_hours = models.DecimalField(_("校本研训学时"), max_digits=7, decimal_places=1, default=0)
    total_hours = models.DecimalField(_("总学时"), max_digits=7, decimal_places=1, default=0)
    credits = models.DecimalField(_("学分"), max_digits=7, decimal_places=2, default=0)
    met = models.BooleanField(_("达标"), default=False)
    shortfall_hours = models.DecimalField(_("差额学时"), max_digits=7, decimal_places=1, default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("学时统计")
        verbose_name_plural = _("学时统计")
        constraints = [models.UniqueConstraint(fields=["teacher", "year"], name="tally_one_per_teacher_year")]
        indexes = [models.Index(fields=["county", "year"]), models.Index(fields=["school", "year"])]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year}: {self.total_hours}"
