from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("tables/<slug:slug>/", views.dashboard_table, name="dashboard_table"),
    path("rates/", views.rates_view, name="rates"),
    path("satisfaction/", views.satisfaction_view, name="satisfaction"),
    path("structure/", views.structure_view, name="structure"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("statistics/<int:pk>/delete/", views.statistic_delete, name="statistic_delete"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("exports/<int:pk>/delete/", views.export_delete, name="export_delete"),
]
