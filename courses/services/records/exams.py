"""Quiz results into the training record.

The quiz engine knows nothing of learners' units or hours; it sends
`attempt_marked` after the commit, and this receiver records a passed attempt as
a fact, crediting a passed exam once per quiz, whatever the number of attempts.
"""

from decimal import Decimal

from courses.models import CreditReason, FactKind, LearnerProfile

from .facts import LearnerRef, fact_credit_record
from .policy import policy_for_unit_path


def quiz_attempt_record(*, attempt) -> None:
    if not attempt.passed:
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


def attempt_marked_received(sender, attempt, **kwargs) -> None:
    quiz_attempt_record(attempt=attempt)
