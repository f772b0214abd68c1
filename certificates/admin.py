from django.contrib import admin

from .models import Certificate, CountyCertificateSettings, IssueJob, Verification


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("serial", "kind", "holder_name", "county", "status", "issued_at")
    list_filter = ("kind", "status")
    search_fields = ("serial", "holder_name")
    raw_id_fields = ("teacher", "enrolment", "reissue_of", "issued_by")


admin.site.register(CountyCertificateSettings)
admin.site.register(IssueJob)
admin.site.register(Verification)
