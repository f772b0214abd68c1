from django.urls import path

from . import views

urlpatterns = [
    path("cycles/", views.cycle_list, name="outreach_cycle_list"),
    path("cycles/new/", views.cycle_create, name="outreach_cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="outreach_cycle_detail"),
    path("cycles/<int:pk>/stats/", views.cycle_stats, name="outreach_cycle_stats"),
    path("cycles/<int:pk>/visits/new/", views.visit_create, name="outreach_visit_create"),
    path("cycles/<int:pk>/team/add/", views.team_add, name="outreach_team_add"),
    path("cycles/<int:pk>/tasks/new/", views.task_create, name="outreach_task_create"),
    path("cycles/<int:pk>/resources/new/", views.resource_upload, name="outreach_resource_upload"),
    path("cycles/<int:pk>/pack/", views.pack_request, name="outreach_pack_request"),
    path("phases/<int:pk>/edit/", views.phase_edit, name="outreach_phase_edit"),
    path("visits/<int:pk>/", views.visit_detail, name="outreach_visit_detail"),
    path("pool/", views.pool_list, name="outreach_pool_list"),
    path("tasks/<int:pk>/", views.task_detail, name="outreach_task_detail"),
    path("tasks/<int:pk>/submit/", views.task_submit, name="outreach_task_submit"),
    path("submissions/<int:pk>/review/", views.submission_review, name="outreach_submission_review"),
    path("files/<int:pk>/", views.submission_file, name="outreach_submission_file"),
    path("overdue/", views.overdue_list, name="outreach_overdue_list"),
    path("resources/", views.resource_list, name="outreach_resource_list"),
    path("resources/<int:pk>/review/", views.resource_review, name="outreach_resource_review"),
    path("resources/<int:pk>/download/", views.resource_download, name="outreach_resource_download"),
    path("packs/<int:pk>/download/", views.pack_download, name="outreach_pack_download"),
    path("workshops/", views.workshop_list, name="outreach_workshop_list"),
    path("workshops/new/", views.workshop_create, name="outreach_workshop_create"),
    path("workshops/<int:pk>/", views.workshop_detail, name="outreach_workshop_detail"),
    path("workshops/<int:pk>/members/add/", views.workshop_member_add, name="outreach_workshop_member_add"),
    path("workshops/<int:pk>/weights/", views.workshop_weights, name="outreach_workshop_weights"),
]
