"""Quiz and item analytics by unit, and the per-course report, under
/reports/analytics/ in the `reports` namespace (reports:analytics_…)."""

from django.urls import path

from . import analytics_views as views

urlpatterns = [
    path("quizzes/", views.quiz_index, name="analytics_quizzes"),
    path("quizzes/<slug:slug>/", views.quiz_detail, name="analytics_quiz"),
    path("courses/", views.course_index, name="analytics_courses"),
    path("courses/<int:course_id>/", views.course_detail, name="analytics_course"),
]
