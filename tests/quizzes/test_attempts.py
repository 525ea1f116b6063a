"""Starting, answering and submitting: what a learner sees at the exam."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quizzes.errors import QuizError
from quizzes.models import (
    Attempt,
    AttemptStatus,
    CategoryProgress,
    QuestionKind,
    SubmitReason,
)
from quizzes.services import (
    answer_save,
    attempt_start,
    attempt_submit,
    attempts_expire,
    question_update,
)
from quizzes.services import attempts as attempts_module
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(now):
    """Opens at 9:00, closes at 11:00, 60 minutes, three single-choice questions."""
    quiz = ExamFactory(
        opens_at=now,
        closes_at=now + timedelta(hours=2),
        time_limit=60,
        max_attempts=2,
    )
    return quiz_add_questions(quiz, QuestionFactory.create_batch(3))


def _right(item):
    return {"option": next(o["id"] for o in item.snapshot["options"] if o["correct"])}


def _wrong(item):
    return {
        "option": next(o["id"] for o in item.snapshot["options"] if not o["correct"])
    }


# ------------------------------------------------------------------ start


def test_start_draws_the_paper_and_sets_the_deadline_on_the_server(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    assert attempt.number == 1
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.deadline == now + timedelta(minutes=60)
    assert attempt.max_score == Decimal("3")
    assert list(attempt.items.values_list("position", flat=True)) == [1, 2, 3]
    # The address of a paper is a random token, not a number one can count up.
    assert len(attempt.token) >= 12 and not attempt.token.isdigit()


def test_deadline_is_the_close_when_that_comes_first(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now + timedelta(minutes=90))
    assert attempt.deadline == exam.closes_at


def test_reload_or_another_device_resumes_the_same_attempt_with_the_clock_running(
    exam, learner, now
):
    first = attempt_start(quiz=exam, user=learner, now=now)
    again = attempt_start(quiz=exam, user=learner, now=now + timedelta(minutes=25))
    assert again.pk == first.pk
    assert again.deadline == first.deadline == now + timedelta(minutes=60)
    assert Attempt.objects.filter(quiz=exam, user=learner).count() == 1


def test_a_start_that_loses_the_race_resumes_the_winners_attempt(
    exam, learner, now, monkeypatch
):
    """Two tabs start at once: both look, find no open attempt, and insert.

    Simulated by hiding the winner's attempt from the loser's first look; the
    loser's insert then breaks the one-open-attempt constraint and it resumes.
    """
    winner = attempt_start(quiz=exam, user=learner, now=now)
    real_look = attempts_module._open_attempt
    looks = []

    def racing_look(**kwargs):
        looks.append(kwargs)
        return (None, 0) if len(looks) == 1 else real_look(**kwargs)

    monkeypatch.setattr(attempts_module, "_open_attempt", racing_look)
    loser = attempt_start(quiz=exam, user=learner, now=now)
    assert len(looks) == 2  # refused once by the database, then resumed
    assert loser.pk == winner.pk
    assert Attempt.objects.filter(quiz=exam, user=learner).count() == 1


def test_not_yet_open_and_closed_quizzes_are_refused_in_chinese(exam, learner, now):
    with pytest.raises(QuizError) as early:
        attempt_start(quiz=exam, user=learner, now=now - timedelta(minutes=5))
    assert early.value.code == "not_open"
    assert "尚未开放" in early.value.messages[0]
    assert "2025-06-02 09:00" in early.value.messages[0]
    with pytest.raises(QuizError) as late:
        attempt_start(quiz=exam, user=learner, now=now + timedelta(hours=2))
    assert late.value.code == "closed"
    assert "已于2025-06-02 11:00结束" in late.value.messages[0]
    assert not Attempt.objects.exists()


def test_unpublished_quiz_is_refused(learner, now):
    quiz = quiz_add_questions(ExamFactory(is_published=False), [QuestionFactory()])
    with pytest.raises(QuizError) as refused:
        attempt_start(quiz=quiz, user=learner, now=now)
    assert refused.value.code == "not_published"


def test_attempts_run_out(exam, learner, now):
    for minute in (0, 10):
        attempt = attempt_start(
            quiz=exam, user=learner, now=now + timedelta(minutes=minute)
        )
        attempt_submit(
            attempt=attempt, user=learner, now=now + timedelta(minutes=minute + 1)
        )
    with pytest.raises(QuizError) as refused:
        attempt_start(quiz=exam, user=learner, now=now + timedelta(minutes=20))
    assert refused.value.code == "no_attempts_left"
    assert "2次作答机会" in refused.value.messages[0]


def test_an_expired_open_attempt_is_submitted_before_the_next_starts(
    exam, learner, now
):
    first = attempt_start(quiz=exam, user=learner, now=now)
    second = attempt_start(quiz=exam, user=learner, now=now + timedelta(minutes=61))
    first.refresh_from_db()
    assert first.status == AttemptStatus.MARKED
    assert first.submit_reason == SubmitReason.TIMEOUT
    assert first.submitted_at == first.deadline
    assert second.number == 2 and second.pk != first.pk


# ------------------------------------------------------------------ snapshot


def test_editing_a_question_does_not_change_an_attempt_already_drawn(learner, now):
    question = QuestionFactory(stem="原题干", points=Decimal("2"))
    quiz = quiz_add_questions(ExamFactory(), [question])
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    item = attempt.items.get()
    old_right = _right(item)
    answer_save(attempt=attempt, user=learner, position=1, response=old_right, now=now)

    # The trainer rewrites the stem and moves the key to another option.
    options = list(question.options.order_by("sort_order"))
    question = question_update(
        question=question,
        stem="修改后的题干",
        points=Decimal("5"),
        options=[
            {"id": o.pk, "text": o.text + "（改）", "is_correct": i == 1}
            for i, o in enumerate(options)
        ],
    )
    assert question.version == 2

    attempt = attempt_submit(attempt=attempt, user=learner, now=now)
    item.refresh_from_db()
    assert item.snapshot["stem"] == "原题干"
    assert item.snapshot["version"] == 1
    assert (item.score, item.is_correct) == (Decimal("2.00"), True)
    assert attempt.score == Decimal("2.00") and attempt.max_score == Decimal("2.00")
    # The next attempt gets the question as it is now.
    next_attempt = attempt_start(quiz=quiz, user=learner, now=now)
    fresh = next_attempt.items.get()
    assert (fresh.snapshot["stem"], fresh.snapshot["version"]) == ("修改后的题干", 2)
    assert fresh.points == Decimal("5.00")


# ------------------------------------------------------------------ answers


def test_saving_the_same_answer_twice_changes_nothing_more(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    item = attempt.items.get(position=1)
    first = answer_save(
        attempt=attempt, user=learner, position=1, response=_wrong(item), now=now
    )
    again = answer_save(
        attempt=attempt,
        user=learner,
        position=1,
        response=_wrong(item),
        client_revision=0,  # a retried request still carrying the old revision
        now=now + timedelta(seconds=5),
    )
    item.refresh_from_db()
    assert (first.changed, again.changed) == (True, False)
    assert item.revision == 1
    assert item.answered_at == now
    changed = answer_save(
        attempt=attempt, user=learner, position=1, response=_right(item), now=now
    )
    assert changed.item.revision == 2


def test_an_answer_based_on_an_old_revision_does_not_overwrite_a_newer_one(
    exam, learner, now
):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    item = attempt.items.get(position=1)
    answer_save(
        attempt=attempt,
        user=learner,
        position=1,
        response=_right(item),
        client_revision=0,
        now=now,
    )
    with pytest.raises(QuizError) as refused:
        answer_save(  # the other tab, still at revision 0
            attempt=attempt,
            user=learner,
            position=1,
            response=_wrong(item),
            client_revision=0,
            now=now,
        )
    assert refused.value.code == "stale"
    item.refresh_from_db()
    assert item.response == _right(item)


def test_answers_can_be_found_by_question_id(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    item = attempt.items.get(position=2)
    answer_save(
        attempt=attempt,
        user=learner,
        question_id=item.question_id,
        response=_right(item),
        now=now,
    )
    item.refresh_from_db()
    assert item.response == _right(item)


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_submitted(
    exam, learner, now
):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    item = attempt.items.get(position=1)
    answer_save(
        attempt=attempt, user=learner, position=1, response=_right(item), now=now
    )
    with pytest.raises(QuizError) as refused:
        answer_save(
            attempt=attempt,
            user=learner,
            position=2,
            response=_right(attempt.items.get(position=2)),
            now=now + timedelta(minutes=60, seconds=1),
        )
    assert refused.value.code == "time_up"
    assert "时间已到" in refused.value.messages[0]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKED
    assert attempt.submit_reason == SubmitReason.TIMEOUT
    assert attempt.score == Decimal("1.00")  # the answer saved in time counts
    assert attempt.items.get(position=2).response is None


def test_an_answer_after_submission_is_refused(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    attempt_submit(attempt=attempt, user=learner, now=now)
    with pytest.raises(QuizError) as refused:
        answer_save(
            attempt=attempt,
            user=learner,
            position=1,
            response=_right(attempt.items.get(position=1)),
            now=now,
        )
    assert refused.value.code == "submitted"
    assert attempt.items.get(position=1).response is None


def test_an_answer_to_a_question_not_in_the_attempt_is_refused(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    stranger = QuestionFactory()
    for where in ({"position": 4}, {"question_id": stranger.pk}):
        with pytest.raises(QuizError) as refused:
            answer_save(
                attempt=attempt, user=learner, response={"option": 1}, now=now, **where
            )
        assert refused.value.code == "not_in_attempt"


def test_an_option_of_another_question_is_refused(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    other_item = attempt.items.get(position=2)
    with pytest.raises(QuizError) as refused:
        answer_save(
            attempt=attempt,
            user=learner,
            position=1,
            response=_right(other_item),
            now=now,
        )
    assert refused.value.code == "bad_response"


def test_another_learners_attempt_cannot_be_answered_or_submitted(
    exam, learner, other_learner, now
):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    item = attempt.items.get(position=1)
    with pytest.raises(QuizError) as refused:
        answer_save(
            attempt=attempt,
            user=other_learner,
            position=1,
            response=_right(item),
            now=now,
        )
    assert refused.value.code == "not_owner"
    with pytest.raises(QuizError):
        attempt_submit(attempt=attempt, user=other_learner, now=now)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.items.get(position=1).response is None


def test_an_exam_answer_save_is_two_sql_statements(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    item = attempt.items.get(position=1)
    with CaptureQueriesContext(connection) as captured:
        answer_save(
            attempt=attempt, user=learner, position=1, response=_right(item), now=now
        )
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if "SAVEPOINT" not in q["sql"].upper()  # the test's own transaction nesting
    ]
    assert len(statements) <= 3, statements
    assert statements[0].lstrip().upper().startswith("SELECT")
    assert statements[-1].lstrip().upper().startswith("UPDATE")


# ------------------------------------------------------------------ submit


def test_double_submit_gives_one_result_and_counts_progress_once(exam, learner, now):
    attempt = attempt_start(quiz=exam, user=learner, now=now)
    for item in attempt.items.all():
        answer_save(
            attempt=attempt,
            user=learner,
            position=item.position,
            response=_right(item) if item.position < 3 else _wrong(item),
            now=now,
        )
    first = attempt_submit(
        attempt=attempt, user=learner, now=now + timedelta(minutes=5)
    )
    second = attempt_submit(
        attempt=attempt, user=learner, now=now + timedelta(minutes=6)
    )
    assert (second.pk, second.score, second.submitted_at) == (
        first.pk,
        Decimal("2.00"),
        now + timedelta(minutes=5),
    )
    assert second.percent == Decimal("66.67")
    assert second.passed is True
    progress = CategoryProgress.objects.get(user=learner)
    assert (progress.items, progress.answered, progress.correct) == (3, 3, 2)
    assert (progress.score, progress.max_score) == (Decimal("2.00"), Decimal("3.00"))


def test_submitting_marks_and_announces_on_commit(
    exam, learner, now, django_capture_on_commit_callbacks
):
    from quizzes.signals import attempt_marked

    received = []

    def receiver(sender, attempt, **kwargs):
        received.append(attempt.pk)

    attempt_marked.connect(receiver)
    try:
        attempt = attempt_start(quiz=exam, user=learner, now=now)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            attempt_submit(attempt=attempt, user=learner, now=now)
            attempt_submit(attempt=attempt, user=learner, now=now)
        assert received == [attempt.pk]
        # One announcement for two submits (receivers may queue work of their own).
        announcements = [
            c for c in callbacks if "announce_marked" in getattr(c, "__qualname__", "")
        ]
        assert len(announcements) == 1
    finally:
        attempt_marked.disconnect(receiver)


def test_expiry_sweep_submits_overdue_attempts_only(exam, learner, other_learner, now):
    late = attempt_start(quiz=exam, user=learner, now=now)
    answer_save(
        attempt=late,
        user=learner,
        position=1,
        response=_right(late.items.get(position=1)),
        now=now,
    )
    fresh = attempt_start(
        quiz=exam, user=other_learner, now=now + timedelta(minutes=30)
    )
    assert attempts_expire(now=now + timedelta(minutes=61)) == 1
    assert attempts_expire(now=now + timedelta(minutes=61)) == 0
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert (late.status, late.submit_reason, late.score) == (
        AttemptStatus.MARKED,
        SubmitReason.TIMEOUT,
        Decimal("1.00"),
    )
    assert late.submitted_at == now + timedelta(minutes=60)
    assert fresh.status == AttemptStatus.IN_PROGRESS


def test_an_essay_leaves_the_attempt_waiting_for_a_marker(learner, now):
    quiz = quiz_add_questions(
        ExamFactory(),
        [
            QuestionFactory(),
            QuestionFactory(kind=QuestionKind.ESSAY, points=Decimal("10")),
        ],
    )
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    answer_save(
        attempt=attempt,
        user=learner,
        position=2,
        response={"text": "四期四区：生理脱毒、教育适应、康复巩固、回归指导。"},
        now=now,
    )
    attempt = attempt_submit(attempt=attempt, user=learner, now=now)
    assert attempt.status == AttemptStatus.NEEDS_MARKING
    assert attempt.passed is None
    essay = attempt.items.get(position=2)
    assert essay.score is None


def test_an_empty_essay_needs_no_marker(learner, now):
    quiz = quiz_add_questions(ExamFactory(), [QuestionFactory(kind=QuestionKind.ESSAY)])
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    attempt = attempt_submit(attempt=attempt, user=learner, now=now)
    assert attempt.status == AttemptStatus.MARKED
    assert attempt.score == Decimal("0.00")


def test_a_start_after_the_close_submits_the_open_attempt_and_refuses(
    exam, learner, now
):
    attempt = attempt_start(quiz=exam, user=learner, now=now + timedelta(minutes=90))
    with pytest.raises(QuizError) as refused:
        attempt_start(quiz=exam, user=learner, now=now + timedelta(hours=3))
    assert refused.value.code == "closed"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKED
    assert attempt.submitted_at == exam.closes_at
