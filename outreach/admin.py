from django.contrib import admin

from .models import (
    Cycle,
    CycleTeamMember,
    Phase,
    PhaseTask,
    ResearchGroup,
    Resource,
    TeamPool,
    Visit,
    VisitActivity,
    VisitDay,
    Workshop,
    WorkshopMember,
    WorkshopStaff,
)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("year", "subject", "stage", "county", "subproject")
    list_filter = ("year", "county")
    inlines = [PhaseInline]
    raw_id_fields = ("subproject",)


@admin.register(TeamPool)
class TeamPoolAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "subject", "title", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("teacher",)


admin.site.register(CycleTeamMember)
admin.site.register(PhaseTask)


class DayInline(admin.TabularInline):
    model = VisitDay
    extra = 0
    raw_id_fields = ("session",)


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("cycle", "number", "phase", "title")
    inlines = [DayInline]


class ActivityInline(admin.TabularInline):
    model = VisitActivity
    extra = 0


@admin.register(VisitDay)
class VisitDayAdmin(admin.ModelAdmin):
    list_display = ("visit", "session")
    inlines = [ActivityInline]
    raw_id_fields = ("session",)


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("title", "cycle", "kind", "status", "author_name", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("title", "author_name")
    # Files arrive only through the checked upload service, never through the admin form.
    readonly_fields = ("file", "original_name", "file_type", "size")


class StaffInline(admin.TabularInline):
    model = WorkshopStaff
    extra = 0
    raw_id_fields = ("teacher",)


class GroupInline(admin.TabularInline):
    model = ResearchGroup
    extra = 0
    raw_id_fields = ("leader",)


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("name", "subject", "county", "capacity", "members_weight", "own_weight")
    inlines = [StaffInline, GroupInline]
    raw_id_fields = ("subproject", "host")


@admin.register(WorkshopMember)
class WorkshopMemberAdmin(admin.ModelAdmin):
    list_display = ("workshop", "enrolment", "group")
    raw_id_fields = ("enrolment",)
