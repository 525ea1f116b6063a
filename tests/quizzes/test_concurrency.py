"""Real races on PostgreSQL: threads with their own connections and transactions.

Run by `make test-services` (SQLite serialises every writer, so there is no race
to see there).
"""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from quizzes.errors import QuizError
from quizzes.models import Attempt, AttemptStatus, CategoryProgress
from quizzes.scoring import response_mark
from quizzes.services import answer_save, attempt_start, attempt_submit
from tests.factories import UserFactory
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = [
    pytest.mark.services,
    # serialized_rollback: a browser test before this one leaves the database
    # empty (content types included); restore it rather than run on nothing.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's concurrency"
    ),
]


def _together(n: int, work) -> list:
    """Run work(i) in n threads released at the same moment; results or errors."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_starts_of_one_learner_create_one_attempt(now):
    quiz = quiz_add_questions(
        ExamFactory(time_limit=60), QuestionFactory.create_batch(5)
    )
    learner = UserFactory()
    results = _together(8, lambda i: attempt_start(quiz=quiz, user=learner, now=now).pk)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert Attempt.objects.filter(quiz=quiz, user=learner).count() == 1


def test_answers_racing_a_submit_are_either_marked_or_refused(now):
    quiz = quiz_add_questions(ExamFactory(), QuestionFactory.create_batch(12))
    learner = UserFactory()
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    items = list(attempt.items.order_by("position"))

    def work(i):
        if i == len(items):
            return attempt_submit(attempt=attempt, user=learner, now=now)
        item = items[i]
        right = next(o["id"] for o in item.snapshot["options"] if o["correct"])
        try:
            return answer_save(
                attempt=attempt,
                user=learner,
                position=item.position,
                response={"option": right},
                now=now,
            )
        except QuizError as error:
            return error.code

    results = _together(len(items) + 1, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    refused = [r for r in results[:-1] if r == "submitted"]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKED
    for item in attempt.items.all():
        # Every stored answer was marked: none slipped in after the submit read it.
        expected = response_mark(item.snapshot, item.response, item.points)
        assert (item.score, item.is_correct) == (expected.score, expected.is_correct)
    assert attempt.score == Decimal(len(items) - len(refused))


def test_simultaneous_submits_count_once(now):
    quiz = quiz_add_questions(ExamFactory(), QuestionFactory.create_batch(4))
    learner = UserFactory()
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    results = _together(
        6,
        lambda i: (
            attempt_submit(
                attempt=attempt, user=learner, now=now + timedelta(seconds=i)
            ).submitted_at
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert CategoryProgress.objects.get(user=learner).items == 4
