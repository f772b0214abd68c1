from django.contrib import admin

from .models import AttendanceChange, AttendanceRecord, AttendanceSheet


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(admin.ModelAdmin):
    list_display = ("session", "enrolment", "status", "source", "updated_at", "updated_by")
    list_filter = ("status", "source")
    raw_id_fields = ("session", "enrolment", "updated_by")


@admin.register(AttendanceSheet)
class AttendanceSheetAdmin(admin.ModelAdmin):
    list_display = ("session", "version", "updated_at", "updated_by")
    raw_id_fields = ("session", "updated_by", "qr_opened_by")
    exclude = ("qr_token",)


@admin.register(AttendanceChange)
class AttendanceChangeAdmin(admin.ModelAdmin):
    """The audit trail is read-only, even here."""

    list_display = ("changed_at", "session", "enrolment", "old_status", "new_status", "changed_by", "reason", "source")
    list_filter = ("source",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
