from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("tables/<slug:slug>/", views.dashboard_table, name="dashboard_table"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("exports/<int:pk>/delete/", views.export_delete, name="export_delete"),
]
