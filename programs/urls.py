from django.urls import path

from . import views, views_bulk

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("new/", views.program_create, name="program_create"),
    path("<int:pk>/", views.program_detail, name="program_detail"),
    path("<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("<int:program_pk>/subprojects/new/", views.subproject_create, name="subproject_create"),
    path("subprojects/<int:pk>/", views.subproject_detail, name="subproject_detail"),
    path("subprojects/<int:pk>/edit/", views.subproject_edit, name="subproject_edit"),
    path("subprojects/<int:pk>/quotas/", views.quota_edit, name="quota_edit"),
    path("subprojects/<int:pk>/county-quotas/", views.county_quota_edit, name="county_quota_edit"),
    path("subprojects/<int:pk>/nominate/", views.enrolment_nominate, name="enrolment_nominate"),
    path("subprojects/<int:pk>/signin.xlsx", views.subproject_signin, name="subproject_signin"),
    path("subprojects/<int:subproject_pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("enrolments/<int:pk>/confirm/", views.enrolment_confirm, name="enrolment_confirm"),
    path("enrolments/<int:pk>/reject/", views.enrolment_reject, name="enrolment_reject"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="enrolment_withdraw"),
    path("enrolments/<int:pk>/substitute/", views.enrolment_substitute, name="enrolment_substitute"),
    path("trainees/", views.school_trainees, name="school_trainees"),
    path("mine/", views.my_enrolments, name="my_enrolments"),
    path("mine/notices/read/", views.notices_read, name="notices_read"),
    path("mine/notices/<int:pk>/answer/", views.notice_answer, name="notice_answer"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    # Bulk work and 换人 requests (views_bulk).
    path("subprojects/<int:pk>/nominate/many/", views_bulk.nominate_many, name="enrolment_nominate_many"),
    path("subprojects/<int:pk>/nominations/withdraw/", views_bulk.nominations_withdraw, name="nominations_withdraw"),
    path("nominations/", views_bulk.nominations_decide, name="nominations_decide"),
    path(
        "enrolments/<int:pk>/substitution-request/",
        views_bulk.substitution_request_create,
        name="substitution_request_create",
    ),
    path("substitution-requests/", views_bulk.substitution_request_list, name="substitution_request_list"),
    path("substitution-requests/<int:pk>/", views_bulk.substitution_request_decide, name="substitution_request_decide"),
]
