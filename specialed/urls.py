from django.urls import path

from . import views

urlpatterns = [
    path("visits/", views.visit_list, name="specialed_visit_list"),
    path("visits/new/", views.visit_create, name="specialed_visit_create"),
    path("visits/export/", views.visit_export, name="specialed_visit_export"),
    path("visits/<int:pk>/", views.visit_detail, name="specialed_visit_detail"),
    path("stats/", views.stats, name="specialed_stats"),
    path("report/", views.report, name="specialed_report"),
    path("participants/", views.participants, name="specialed_participants"),
]
