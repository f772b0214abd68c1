from django.urls import path

from . import views

urlpatterns = [
    path("", views.session_list, name="attendance_sessions"),
    path("session/<int:pk>/", views.grid, name="attendance_grid"),
    path("session/<int:pk>/summary/", views.summary, name="attendance_summary"),
    path("session/<int:pk>/export/", views.export, name="attendance_export"),
    path("session/<int:pk>/checkin/", views.checkin_screen, name="attendance_checkin_screen"),
    path("session/<int:pk>/checkin/open/", views.checkin_open, name="attendance_checkin_open"),
    path("session/<int:pk>/checkin/status/", views.checkin_status, name="attendance_checkin_status"),
    path("session/<int:pk>/checkin/reopen/", views.checkin_reopen, name="attendance_checkin_reopen"),
    path("teacher/<int:pk>/", views.teacher_history, name="attendance_teacher"),
    path("checkin/", views.checkin_typed, name="attendance_checkin_typed"),
    path("checkin/<str:code>/", views.checkin, name="attendance_checkin"),
]
