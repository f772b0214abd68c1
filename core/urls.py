from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/history/", views.import_history, name="import_history"),
    path("imports/history/<int:pk>/file/", views.import_history_file, name="import_history_file"),
    path("imports/<slug:kind>/", views.import_upload, name="import_upload"),
    path("imports/<slug:kind>/template/", views.import_template, name="import_template"),
    path("imports/<slug:kind>/<int:pk>/", views.import_preview, name="import_preview"),
    path("imports/<slug:kind>/<int:pk>/status/", views.import_status, name="import_status"),
    path("imports/<slug:kind>/<int:pk>/sheet/", views.import_sheet, name="import_sheet"),
    path("imports/<slug:kind>/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("imports/<slug:kind>/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
]
