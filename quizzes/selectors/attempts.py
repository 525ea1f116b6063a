"""Reads of attempts: finding one for its learner, and the grade over several."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser

from quizzes.models import Attempt, AttemptStatus, Grading, Quiz


def attempt_get_for_user(*, token: str, user: AbstractBaseUser) -> Attempt:
    """The learner's own attempt by its public token.

    Raises Attempt.DoesNotExist for someone else's attempt too, so a view answers
    404 and a forged token learns nothing.
    """
    if not getattr(user, "is_authenticated", False):
        raise Attempt.DoesNotExist
    return Attempt.objects.select_related("quiz").get(token=token, user=user)


@dataclass(frozen=True)
class QuizGrade:
    """A learner's grade for a quiz under the quiz's grading rule.

    `attempt` is the attempt that gives the grade. `pending` is True while an
    attempt that could change the grade waits for marking; the numbers are None
    when no counting attempt is marked yet.
    """

    attempt: Attempt
    score: Decimal | None
    max_score: Decimal | None
    percent: Decimal | None
    passed: bool | None
    pending: bool


def quiz_grade_for(*, quiz: Quiz, user: AbstractBaseUser) -> QuizGrade | None:
    """The grade from the learner's finished attempts (highest or last), or None.

    For reports and certificates. What a learner may see of it goes through
    `attempt_review`, which applies the review policy.
    """
    attempts = list(
        Attempt.objects.finished().filter(quiz=quiz, user=user).order_by("number")
    )
    if not attempts:
        return None
    waiting = [a for a in attempts if a.status == AttemptStatus.NEEDS_MARKING]
    marked = [a for a in attempts if a.status == AttemptStatus.MARKED]
    if quiz.grading == Grading.LAST:
        counting = attempts[-1] if attempts[-1].status == AttemptStatus.MARKED else None
        pending = counting is None
        fallback = attempts[-1]
    else:
        # The best percent; the earliest attempt among equals.
        counting = max(marked, key=lambda a: (a.percent, -a.number)) if marked else None
        pending = bool(waiting)
        fallback = waiting[-1] if waiting else attempts[-1]
    if counting is None:
        return QuizGrade(fallback, None, None, None, None, pending=True)
    return QuizGrade(
        attempt=counting,
        score=counting.score,
        max_score=counting.max_score,
        percent=counting.percent,
        passed=counting.passed,
        pending=pending,
    )
