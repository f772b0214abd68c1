from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("desk.urls")),
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("registry/", include("trainees.urls")),
    path("programs/", include("programs.urls")),
    path("attendance/", include("attendance.urls")),
    path("outreach/", include("outreach.urls")),
    path("specialed/", include("specialed.urls")),
    path("assessment/", include("assessment.urls")),
    path("reports/", include("reports.urls")),
    path("", include("certificates.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
