from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("me/", views.my_profile, name="my_profile"),
    path("org/", views.unit_index, name="unit_index"),
    path("org/units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("org/people/<str:id_number>/", views.learner_detail, name="learner_detail"),
    path("org/import/", views.roster_import_upload, name="roster_import"),
    path(
        "org/import/template.xlsx",
        views.roster_template_download,
        name="roster_template",
    ),
    path(
        "org/import/<int:pk>/", views.roster_import_detail, name="roster_import_detail"
    ),
    path(
        "org/import/<int:pk>/status.json",
        views.roster_import_status,
        name="roster_import_status",
    ),
    # training record: lesson progress endpoints
    # training record: my training and transcript
    # training record: assignments, adjustments and policies
    # training record: offline classes
    # training record: certificates
]
