from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<slug:kind>/", views.import_upload, name="import_upload"),
    path("imports/<slug:kind>/template/", views.import_template, name="import_template"),
    path("imports/<slug:kind>/<int:pk>/", views.import_preview, name="import_preview"),
    path("imports/<slug:kind>/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
]
