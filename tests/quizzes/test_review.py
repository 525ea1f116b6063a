"""The review policy: exam answers never show before they may."""

from datetime import timedelta
from decimal import Decimal

import pytest

from quizzes.errors import QuizError
from quizzes.models import QuestionKind, ReviewPolicy
from quizzes.selectors import attempt_get_for_user, attempt_review
from quizzes.services import answer_save, attempt_start, attempt_submit
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    QuizFactory,
    quiz_add_questions,
)

pytestmark = pytest.mark.django_db


def _wrong(item):
    return {
        "option": next(o["id"] for o in item.snapshot["options"] if not o["correct"])
    }


def _leaks(review) -> bool:
    """Whether anything of the answer key is in the review."""
    return (
        any(
            item.correct_answer is not None
            or item.explanation is not None
            or item.is_correct is not None
            or item.score is not None
            or any("correct" in option for option in item.options)
            for item in review.items
        )
        or review.score is not None
    )


@pytest.fixture
def closing_exam(now):
    quiz = ExamFactory(
        closes_at=now + timedelta(hours=2), review_policy=ReviewPolicy.AFTER_CLOSE
    )
    return quiz_add_questions(quiz, QuestionFactory.create_batch(2))


def test_after_close_policy_hides_answers_until_the_exam_closes(
    closing_exam, learner, now
):
    attempt = attempt_start(quiz=closing_exam, user=learner, now=now)
    answer_save(
        attempt=attempt,
        user=learner,
        position=1,
        response=_wrong(attempt.items.get(position=1)),
        now=now,
    )
    attempt = attempt_submit(
        attempt=attempt, user=learner, now=now + timedelta(minutes=5)
    )

    during = attempt_review(
        attempt=attempt, user=learner, now=now + timedelta(minutes=6)
    )
    assert not _leaks(during)
    assert during.items[0].response is not None  # their own answer is theirs
    assert during.key_available_at == closing_exam.closes_at
    assert {"id", "text"} == set(during.items[0].options[0])

    after = attempt_review(attempt=attempt, user=learner, now=closing_exam.closes_at)
    assert after.shows_score and after.score == Decimal("0.00")
    first = after.items[0]
    assert first.is_correct is False and first.correct_answer is not None
    assert first.explanation == "依据《中华人民共和国禁毒法》。"
    assert any(option["correct"] for option in first.options)


def test_after_submit_policy_shows_everything_once_submitted(learner, now):
    quiz = quiz_add_questions(ExamFactory(), QuestionFactory.create_batch(2))
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    assert not _leaks(attempt_review(attempt=attempt, user=learner, now=now))
    attempt = attempt_submit(attempt=attempt, user=learner, now=now)
    review = attempt_review(attempt=attempt, user=learner, now=now)
    assert review.shows_score and all(item.shows_key for item in review.items)


def test_never_policy_shows_the_score_but_never_the_key(learner, now):
    quiz = quiz_add_questions(
        ExamFactory(review_policy=ReviewPolicy.NEVER), QuestionFactory.create_batch(2)
    )
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    attempt = attempt_submit(attempt=attempt, user=learner, now=now)
    review = attempt_review(
        attempt=attempt, user=learner, now=now + timedelta(days=365)
    )
    assert review.shows_score and review.percent == Decimal("0.00")
    assert not any(item.shows_key for item in review.items)
    assert all(item.correct_answer is None for item in review.items)


def test_practice_shows_each_answered_item_at_once_and_nothing_else(learner, now):
    quiz = quiz_add_questions(QuizFactory(), QuestionFactory.create_batch(2))
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    answer_save(
        attempt=attempt,
        user=learner,
        position=1,
        response=_wrong(attempt.items.get(position=1)),
        now=now,
    )
    review = attempt_review(attempt=attempt, user=learner, now=now)
    assert review.items[0].shows_key and review.items[0].is_correct is False
    assert not review.items[1].shows_key and review.items[1].correct_answer is None


def test_options_are_shown_in_the_attempts_own_order(learner, now):
    quiz = quiz_add_questions(
        ExamFactory(shuffle_options=True), [QuestionFactory(kind=QuestionKind.SINGLE)]
    )
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    item = attempt.items.get()
    review = attempt_review(attempt=attempt, user=learner, now=now)
    assert [o["id"] for o in review.items[0].options] == item.option_order


def test_another_learner_cannot_review_or_find_the_attempt(
    closing_exam, learner, other_learner, now
):
    attempt = attempt_start(quiz=closing_exam, user=learner, now=now)
    with pytest.raises(QuizError) as refused:
        attempt_review(attempt=attempt, user=other_learner, now=now)
    assert refused.value.code == "not_owner"
    assert attempt_get_for_user(token=attempt.token, user=learner).pk == attempt.pk
    with pytest.raises(type(attempt).DoesNotExist):
        attempt_get_for_user(token=attempt.token, user=other_learner)
