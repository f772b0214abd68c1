from django.urls import path

from . import views

urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/new/", views.teacher_create, name="teacher_create"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher_edit"),
    path("teachers/<int:pk>/transfer/", views.teacher_transfer, name="teacher_transfer"),
    path("pickers/teachers/", views.picker_teachers, name="picker_teachers"),
    path("pickers/schools/", views.picker_schools, name="picker_schools"),
]
