from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from quizzes.models import AttemptStatus, SubmitReason
from quizzes.services import attempt_start
from quizzes.tasks import attempts_expire_run
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions


def test_the_beat_schedule_sweeps_expired_attempts_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["quizzes-attempts-expire"]
    assert entry["task"] == attempts_expire_run.name
    assert entry["schedule"] <= 60


def test_an_attempt_abandoned_past_its_time_limit_is_submitted_by_the_sweep(
    learner,
):
    exam = quiz_add_questions(ExamFactory(time_limit=30), [QuestionFactory()])
    long_ago = timezone.now() - timedelta(hours=2)
    abandoned = attempt_start(quiz=exam, user=learner, now=long_ago)
    running = attempt_start(
        quiz=quiz_add_questions(ExamFactory(time_limit=30), [QuestionFactory()]),
        user=learner,
    )

    assert attempts_expire_run.delay().get() == 1

    abandoned.refresh_from_db()
    running.refresh_from_db()
    assert abandoned.status == AttemptStatus.MARKED
    assert abandoned.submit_reason == SubmitReason.TIMEOUT
    assert abandoned.submitted_at == abandoned.deadline
    assert running.status == AttemptStatus.IN_PROGRESS
