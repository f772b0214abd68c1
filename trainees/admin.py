from django.contrib import admin

from .models import Region, School, Teacher, TeacherTransfer


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "parent", "code")
    list_filter = ("level",)
    search_fields = ("name", "code")


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "county", "township", "kind", "area")
    list_filter = ("kind", "area", "county")
    search_fields = ("code", "name")


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "stage", "subject")
    list_filter = ("stage", "is_rural")
    search_fields = ("name", "id_number", "phone")
    raw_id_fields = ("school",)


@admin.register(TeacherTransfer)
class TeacherTransferAdmin(admin.ModelAdmin):
    list_display = ("teacher", "from_school", "to_school", "moved_at", "actor")
    raw_id_fields = ("teacher", "from_school", "to_school", "actor")
