from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.lookup, name="lookup"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("certificates/", views.certificate_list, name="list"),
    path("certificates/settings/", views.settings_view, name="settings"),
    path("certificates/<int:pk>/download/", views.certificate_download, name="download"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="revoke"),
    path("certificates/<int:pk>/reissue/", views.certificate_reissue, name="reissue"),
    path("certificates/subprojects/<int:pk>/", views.subproject_view, name="subproject"),
    path("certificates/subprojects/<int:pk>/issue/", views.subproject_issue, name="subproject_issue"),
    path("certificates/jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("certificates/jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("certificates/teachers/<int:pk>/transcript.pdf", views.transcript_pdf, name="transcript_pdf"),
    path("certificates/teachers/<int:pk>/hours/<int:year>/", views.hours_issue, name="hours_issue"),
    path("certificates/sessions/<int:pk>/signin.pdf", views.signin_sheet, name="signin_sheet"),
]
