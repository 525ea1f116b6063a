"""Quiz results into the training record.

The quiz engine knows nothing of learners' units or hours; it sends
`attempt_marked` after the commit, and this receiver records a passed attempt as
a fact, crediting a passed exam once per quiz, whatever the number of attempts.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from courses.models import CreditReason, FactKind, LearnerProfile, LearningFact

from .facts import LearnerRef, fact_credit_record, stale_mark
from .policy import policy_for_unit_path


def result_released(*, attempt, now: datetime | None = None) -> bool:
    """Whether the learner may know the result yet: an exam whose review policy
    shows results only after it closes stays out of the record until then, or
    the ledger would tell what the result page still hides."""
    from quizzes.models.quizzes import ReviewPolicy

    quiz = attempt.quiz
    if quiz.review_policy != ReviewPolicy.AFTER_CLOSE:
        return True
    now = now or timezone.now()
    return quiz.closes_at is not None and now >= quiz.closes_at


def quiz_attempt_record(*, attempt, now: datetime | None = None) -> None:
    if not attempt.passed or not result_released(attempt=attempt, now=now):
        return
    learner = (
        LearnerProfile.objects.select_related("unit")
        .filter(user_id=attempt.user_id)
        .first()
    )
    if learner is None:
        return  # a trainer trying a quiz out has no training record
    from quizzes.models import QuizMode

    quiz = attempt.quiz
    ref = LearnerRef.of(learner)
    is_exam = quiz.mode == QuizMode.EXAM
    hours = policy_for_unit_path(ref.unit_path).exam_pass_hours if is_exam else None
    fact_credit_record(
        learner=ref,
        kind=FactKind.QUIZ_PASSED,
        key=f"quiz:{attempt.token}",
        credit_key=f"exam:{quiz.slug}",
        credit_reason=CreditReason.EXAM,
        hours=hours if hours and hours > 0 else None,
        title=quiz.title,
        occurred_at=attempt.marked_at or attempt.submitted_at,
        quiz_code=quiz.slug,
        value=Decimal(attempt.percent) if attempt.percent is not None else None,
    )


def _learners_stale_for_users(user_ids) -> None:
    """Exam results, failed ones included, feed the learners' yearly figures."""
    stale_mark(
        learner_ids=list(
            LearnerProfile.objects.filter(user_id__in=set(user_ids)).values_list(
                "id", flat=True
            )
        )
    )


def attempt_marked_received(sender, attempt, **kwargs) -> None:
    from .notifications import result_notify

    if result_released(attempt=attempt):
        quiz_attempt_record(attempt=attempt)
        result_notify(attempt=attempt)
        _learners_stale_for_users([attempt.user_id])


def exam_results_release(*, now: datetime | None = None, days: int = 30) -> int:
    """Record and announce the results of exams that closed recently (Celery beat).

    Idempotent: a passed attempt's fact is keyed by the attempt, the notice by
    the attempt and its marking time.
    """
    from quizzes.models import Attempt
    from quizzes.models.attempts import AttemptStatus
    from quizzes.models.quizzes import ReviewPolicy

    from .notifications import result_notify

    now = now or timezone.now()
    attempts = Attempt.objects.filter(
        status=AttemptStatus.MARKED,
        quiz__review_policy=ReviewPolicy.AFTER_CLOSE,
        quiz__closes_at__lte=now,
        quiz__closes_at__gte=now - timedelta(days=days),
    ).select_related("quiz")
    attempts = list(attempts)
    learner_ids = LearnerProfile.objects.filter(
        user_id__in={a.user_id for a in attempts if a.passed}
    ).values_list("id", flat=True)
    # By (learner, key): the unique index, never a scan of all facts.
    recorded = set(
        LearningFact.objects.filter(
            learner_id__in=list(learner_ids),
            key__in=[f"quiz:{a.token}" for a in attempts if a.passed],
        ).values_list("key", flat=True)
    )
    released = 0
    for attempt in attempts:
        if attempt.passed and f"quiz:{attempt.token}" not in recorded:
            quiz_attempt_record(attempt=attempt, now=now)
        released += result_notify(attempt=attempt)
    _learners_stale_for_users(a.user_id for a in attempts)
    return released
