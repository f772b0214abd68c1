from django.contrib import admin

from .models import (
    AssessmentScheme,
    AuditEntry,
    ClaimItem,
    Component,
    CountyCreditSettings,
    CreditClaim,
    CreditRegistration,
    CreditRequirement,
    CreditTally,
    SchoolProject,
    TallyCorrection,
    TallyRun,
)


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "subproject", "is_template", "pass_mark", "published_at")
    list_filter = ("is_template", "county")
    inlines = [ComponentInline]


@admin.register(CreditTally)
class CreditTallyAdmin(admin.ModelAdmin):
    """Read-only here: tallies are computed, and changed only through a correction with a reason."""

    list_display = ("teacher", "year", "school", "total_hours", "credits", "met", "locked")
    list_filter = ("year", "met", "locked", "county")
    raw_id_fields = ("teacher", "school", "county")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ClaimItem)
class ClaimItemAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "kind", "category", "amount", "unit", "per", "max_per_year", "active")
    list_filter = ("county", "kind", "active")


@admin.register(CreditClaim)
class CreditClaimAdmin(admin.ModelAdmin):
    """Read-only here: a claim moves only through its services (初审, 复核, 公示), each audited."""

    list_display = ("teacher", "year", "item", "quantity", "credits", "status", "school", "created_at")
    list_filter = ("status", "year", "county")
    raw_id_fields = ("teacher", "school", "county", "item")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "object_type", "object_id", "actor")
    list_filter = ("action", "object_type")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


admin.site.register(
    [CountyCreditSettings, CreditRequirement, CreditRegistration, SchoolProject, TallyCorrection, TallyRun]
)
