from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "county", "year_from", "year_to", "status", "progress", "requested_by", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]
