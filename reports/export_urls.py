"""Exports of the report screens, under /reports/exports/ in the `reports` namespace."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("", export_views.export_list, name="export_list"),
    path("new/", export_views.export_create, name="export_create"),
    path("<int:pk>/", export_views.export_detail, name="export_detail"),
    path("<int:pk>/status/", export_views.export_status, name="export_status"),
    path("<int:pk>/download/", export_views.export_download, name="export_download"),
]
