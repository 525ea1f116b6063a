from django.urls import include, path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_home, name="home"),
    path("units/<str:code>/", views.unit_report, name="unit"),
    path("units/<str:code>/people/", views.unit_people, name="unit_people"),
    path("units/<str:code>/overdue/", views.unit_overdue, name="unit_overdue"),
    # Exports (reports/export_urls.py) and quiz analytics (reports/analytics_urls.py).
    path("exports/", include("reports.export_urls")),
    path("analytics/", include("reports.analytics_urls")),
]
