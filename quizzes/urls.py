"""The learner's side of the quiz engine: /quizzes/…

The fixed paths come before `<slug>/`, so a quiz cannot take their names.
"""

from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("", views.quiz_index, name="index"),
    path("wrong-answers/", views.wrong_answers, name="wrong_answers"),
    path("wrong-answers/redo/", views.wrong_answers_redo, name="wrong_answers_redo"),
    path("drill/", views.drill, name="drill"),
    path("progress/", views.progress, name="progress"),
    path("attempt/<str:token>/", views.attempt_take, name="attempt"),
    path("attempt/<str:token>/answer/", views.answer, name="answer"),
    path("attempt/<str:token>/submit/", views.submit, name="submit"),
    path("attempt/<str:token>/result/", views.result, name="result"),
    path("<slug:slug>/", views.quiz_detail, name="detail"),
    path("<slug:slug>/start/", views.quiz_start, name="start"),
]
