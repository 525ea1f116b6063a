"""The training record's aggregates are kept by one batch task on Celery beat:
events only mark learners stale, and never enqueue a task of their own."""

from datetime import timedelta
from unittest import mock

import pytest
from celery import Celery
from celery.app.task import Task
from django.conf import settings
from django.db import transaction

from courses.models import (
    CourseProgress,
    LearnerYear,
    LearningFact,
    LessonProgress,
    RecordStale,
)
from courses.services.records import aggregate
from courses.services.records.lessons import lesson_heartbeat_record
from courses.tasks import records_refresh
from tests.courses.test_course_pages import book_dir, site  # noqa: F401
from tests.courses.test_records import (  # noqa: F401
    NOW,
    course,
    lesson_ref,
    lessons,
    ref,
)

# Whole minutes apart from NOW, so each beat is its own fact.
START = NOW.replace(second=0)


@pytest.fixture
def tasks_sent():
    """Every task sent, however it is sent (delay, apply_async, send_task)."""
    sent = []

    def apply_async(self, *args, **kwargs):
        sent.append(self.name)

    def send_task(self, name, *args, **kwargs):
        sent.append(name)

    with (
        mock.patch.object(Task, "apply_async", apply_async),
        mock.patch.object(Celery, "send_task", send_task),
    ):
        yield sent


def beat_minutes(learner, lesson, minutes, start=START):
    for minute in range(minutes):
        lesson_heartbeat_record(
            learner=ref(learner),
            lesson=lesson_ref(lesson),
            now=start + timedelta(minutes=minute),
        )


def test_the_beat_schedule_runs_the_batch_every_half_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["courses-records-refresh"]
    assert entry["task"] == records_refresh.name == "courses.records_refresh"
    assert entry["schedule"] <= 60
    from cms.celery import app

    assert "courses.records_refresh" in app.tasks


def test_fifty_events_enqueue_no_task_and_leave_one_marker_per_learner(
    people,
    lessons,  # noqa: F811
    tasks_sent,
    django_capture_on_commit_callbacks,
):
    readers = [people["F1-B1"], people["C1-S1"]]
    # As the views record them: each request in its own transaction, and
    # whatever waits for the commit run as well.
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(50):
            with transaction.atomic():
                lesson_heartbeat_record(
                    learner=ref(readers[number % 2]),
                    lesson=lesson_ref(lessons[number % 2]),
                    now=START + timedelta(minutes=number),
                )
    assert tasks_sent == []
    assert LearningFact.objects.count() == 50
    assert set(RecordStale.objects.values_list("learner_id", flat=True)) == {
        r.pk for r in readers
    }
    # Nothing is computed on the request path: the aggregates wait for the batch.
    assert not LessonProgress.objects.exists()


def test_one_task_brings_every_stale_learner_up_to_date(
    people,
    lessons,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # 10, 15, 20 and 25 minutes on a 45-minute lesson: the last reader met its
    # rule (23 minutes) but the browser never said so; the batch completes it.
    for number, learner in enumerate(people.values()):
        beat_minutes(learner, lessons[0], 10 + 5 * number)

    with django_capture_on_commit_callbacks(execute=True):
        assert records_refresh.delay().get() == len(people)

    assert not RecordStale.objects.exists()
    seconds = dict(
        LessonProgress.objects.values_list("learner_id", "seconds").order_by()
    )
    assert seconds == {
        learner.pk: (10 + 5 * number) * 60
        for number, learner in enumerate(people.values())
    }
    assert set(CourseProgress.objects.values_list("learner_id", flat=True)) == {
        learner.pk for learner in people.values()
    }
    # Every refreshed learner has a row for the year, so reports count them;
    # only the last one has completed a lesson.
    completed = dict(
        LearnerYear.objects.values_list("learner_id", "lessons_completed").order_by()
    )
    assert completed == {
        learner.pk: int(code == "C1-S1") for code, learner in people.items()
    }
    assert records_refresh.delay().get() == 0  # nothing left to do


def test_the_batch_takes_the_oldest_markers_first_within_its_limit(
    people,
    lessons,  # noqa: F811
):
    learners = list(people.values())
    for learner in learners:
        beat_minutes(learner, lessons[1], 3)
    assert records_refresh.delay(limit=3).get() == 3
    # The learner marked last is the one left for the next run.
    assert list(RecordStale.objects.values_list("learner_id", flat=True)) == [
        learners[-1].pk
    ]
    assert records_refresh.delay(limit=3).get() == 1
    assert LessonProgress.objects.count() == len(learners)


def test_a_beat_arriving_while_the_batch_runs_is_kept_for_the_next_one(
    people,
    lessons,  # noqa: F811
    monkeypatch,
):
    learner = people["F1-B1"]
    beat_minutes(learner, lessons[0], 5)
    refresh = aggregate.learners_records_refresh

    def refresh_while_the_reader_reads(*, learner_ids):
        touched = refresh(learner_ids=learner_ids)
        # The reader's next beat lands after the batch read the facts.
        beat_minutes(learner, lessons[0], 1, start=START + timedelta(minutes=5))
        return touched

    monkeypatch.setattr(
        aggregate, "learners_records_refresh", refresh_while_the_reader_reads
    )
    assert records_refresh.delay().get() == 1
    assert LessonProgress.objects.get(learner=learner).seconds == 5 * 60
    assert RecordStale.objects.filter(learner=learner).exists()

    monkeypatch.setattr(aggregate, "learners_records_refresh", refresh)
    assert records_refresh.delay().get() == 1
    assert LessonProgress.objects.get(learner=learner).seconds == 6 * 60
