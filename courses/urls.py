from django.urls import path

from courses import (
    assignment_views,
    certificate_views,
    class_views,
    notification_views,
    policy_views,
    progress_views,
    training_views,
    views,
)

app_name = "courses"

urlpatterns = [
    path("me/", views.my_profile, name="my_profile"),
    path(
        "me/notifications/",
        notification_views.notification_list,
        name="notifications",
    ),
    path(
        "me/notifications/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
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
    path(
        "lessons/<int:lesson_id>/progress/",
        progress_views.lesson_progress,
        name="lesson_progress",
    ),
    path(
        "lessons/<int:lesson_id>/progress/open/",
        progress_views.lesson_progress_open,
        name="lesson_progress_open",
    ),
    path(
        "lessons/<int:lesson_id>/progress/beat/",
        progress_views.lesson_progress_beat,
        name="lesson_progress_beat",
    ),
    path(
        "lessons/<int:lesson_id>/progress/presence/",
        progress_views.lesson_progress_presence,
        name="lesson_progress_presence",
    ),
    path(
        "lessons/<int:lesson_id>/progress/video/",
        progress_views.lesson_progress_video,
        name="lesson_progress_video",
    ),
    path(
        "lessons/<int:lesson_id>/progress/complete/",
        progress_views.lesson_progress_complete,
        name="lesson_progress_complete",
    ),
    path("me/training/", training_views.my_training, name="my_training"),
    path(
        "me/training/transcript/",
        training_views.transcript,
        name="my_transcript",
    ),
    path(
        "org/assignments/",
        assignment_views.assignment_index,
        name="assignment_index",
    ),
    path(
        "org/assignments/new/",
        assignment_views.assignment_new,
        name="assignment_create",
    ),
    path(
        "org/assignments/<int:pk>/",
        assignment_views.assignment_detail,
        name="assignment_detail",
    ),
    path(
        "org/assignments/<int:pk>/withdraw/",
        assignment_views.assignment_withdraw_confirm,
        name="assignment_withdraw",
    ),
    path(
        "org/people/<str:id_number>/adjust/",
        assignment_views.learner_hours_adjust,
        name="learner_hours_adjust",
    ),
    path("org/policy/", policy_views.policy_edit, name="policy_edit"),
    path("classes/", class_views.class_index, name="class_index"),
    path("classes/new/", class_views.class_create_view, name="class_create"),
    path("classes/mine/", class_views.my_classes, name="my_classes"),
    path("classes/checkin/", class_views.class_checkin, name="class_checkin"),
    path("classes/<str:code>/", class_views.class_detail, name="class_detail"),
    path("classes/<str:code>/enrol/", class_views.class_enrol_view, name="class_enrol"),
    path(
        "classes/<str:code>/withdraw/",
        class_views.class_withdraw_view,
        name="class_withdraw",
    ),
    path(
        "classes/<str:code>/days/<str:on>/",
        class_views.class_day_sheet,
        name="class_day",
    ),
    path(
        "classes/<str:code>/days/<str:on>/qr/",
        class_views.class_day_qr,
        name="class_day_qr",
    ),
    path(
        "classes/<str:code>/days/<str:on>/code.json",
        class_views.class_day_code,
        name="class_day_code",
    ),
    path(
        "certificates/verify/",
        certificate_views.certificate_verify_form,
        name="certificate_verify_form",
    ),
    path(
        "certificates/verify/<str:code>/",
        certificate_views.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "certificates/<int:pk>/certificate.pdf",
        certificate_views.certificate_download,
        name="certificate_download",
    ),
    path("me/certificates/", certificate_views.my_certificates, name="my_certificates"),
    path("org/certificates/", certificate_views.certificate_list, name="certificates"),
    path(
        "org/certificates/<int:pk>/",
        certificate_views.certificate_detail,
        name="certificate_detail",
    ),
]
