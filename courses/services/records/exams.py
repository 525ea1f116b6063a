"""Quiz results into the training record.

The quiz engine knows nothing of learners' units or hours; it sends
`attempt_marked` after the commit, and this receiver records a passed attempt as
a fact, crediting a passed exam once per quiz, whatever the number of attempts.

A trainer's re-mark can turn a pass into a fail, and back. Facts are never
changed, so each turn is a new fact: `quiz:<token>` (or `quiz:<token>:<n>` for a
later turn) says the attempt passed, `unpass:<token>:<n>` that it no longer
does, with the re-mark's reason and marker. For each attempt the last of its
facts stands. The exam's credit follows: when no passed attempt stands any more,
a reversing ledger line (negative, in the same training year and unit as the
line it cancels) takes the hours back; when a pass stands again, or another
attempt of the same exam still passes, the exam is credited again, once.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import (
    CreditReason,
    FactKind,
    HourCredit,
    LearnerProfile,
    LearningFact,
)

from .facts import (
    LearnerRef,
    fact_credit_add,
    fact_credit_record,
    fact_credit_reverse,
    stale_mark,
)
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


def attempt_token_of(key: str) -> str:
    """The attempt a quiz fact is about: `quiz:<token>[:n]`, `unpass:<token>:n`."""
    return key.split(":")[1]


def standing_passes(facts) -> list:
    """The pass facts that still stand, from any facts of one learner.

    Each fact is a dict or a `LearningFact` with id, kind, key; for each attempt
    the last of its pass and revoke facts (in the order they were recorded)
    decides. Other kinds are ignored.
    """

    def field(fact, name):
        return fact[name] if isinstance(fact, dict) else getattr(fact, name)

    last = {}
    for fact in sorted(
        (
            f
            for f in facts
            if field(f, "kind") in (FactKind.QUIZ_PASSED, FactKind.QUIZ_REVOKED)
        ),
        key=lambda f: field(f, "id"),
    ):
        last[attempt_token_of(field(fact, "key"))] = fact
    return [f for f in last.values() if field(f, "kind") == FactKind.QUIZ_PASSED]


def _exam_credits(learner_id: int, quiz_code: str) -> list[HourCredit]:
    return list(
        HourCredit.objects.filter(learner_id=learner_id, reason=CreditReason.EXAM)
        .filter(Q(key=f"exam:{quiz_code}") | Q(key__startswith=f"exam:{quiz_code}:"))
        .select_related("fact")
        .order_by("id")
    )


def _remark_of(attempt):
    """The re-mark that last changed the attempt: who and why, for the record."""
    from quizzes.models import ReMark

    return (
        ReMark.objects.filter(item__attempt_id=attempt.pk)
        .select_related("marked_by")
        .order_by("-marked_at", "-id")
        .first()
    )


@transaction.atomic
def quiz_attempt_record(*, attempt, now: datetime | None = None) -> None:
    """Bring the learner's record in line with the attempt's released result."""
    if not result_released(attempt=attempt, now=now):
        return
    learner = (
        LearnerProfile.objects.select_related("unit")
        .select_for_update(of=("self",))
        .filter(user_id=attempt.user_id)
        .first()
    )
    if learner is None:
        return  # a trainer trying a quiz out has no training record
    from quizzes.models import QuizMode

    quiz = attempt.quiz
    ref = LearnerRef.of(learner)
    facts = list(
        LearningFact.objects.filter(
            learner=learner,
            quiz_code=quiz.slug,
            kind__in=[FactKind.QUIZ_PASSED, FactKind.QUIZ_REVOKED],
        ).order_by("id")
    )
    mine = [f for f in facts if attempt_token_of(f.key) == attempt.token]
    standing = attempt.token in {
        attempt_token_of(f.key) for f in standing_passes(facts)
    }
    if bool(attempt.passed) == standing:
        return  # a retry, or a re-mark that did not change pass or fail
    now = now or timezone.now()
    turn = f":{len(mine)}" if mine else ""
    if attempt.passed:
        fact, _credit, _created = fact_credit_record(
            learner=ref,
            kind=FactKind.QUIZ_PASSED,
            key=f"quiz:{attempt.token}{turn}",
            credit_key="",
            credit_reason=CreditReason.EXAM,
            hours=None,
            title=quiz.title,
            occurred_at=(attempt.marked_at or attempt.submitted_at)
            if not mine
            else now,
            quiz_code=quiz.slug,
            value=Decimal(attempt.percent) if attempt.percent is not None else None,
        )
        facts.append(fact)
    else:
        remark = _remark_of(attempt)
        fact, _credit, _created = fact_credit_record(
            learner=ref,
            kind=FactKind.QUIZ_REVOKED,
            key=f"unpass:{attempt.token}:{len(mine)}",
            credit_key="",
            credit_reason=CreditReason.EXAM,
            hours=None,
            title=quiz.title,
            occurred_at=now,
            quiz_code=quiz.slug,
            value=Decimal(attempt.percent) if attempt.percent is not None else None,
            reason=remark.reason if remark is not None else "",
            recorded_by=remark.marked_by if remark is not None else None,
        )
        facts.append(fact)
    if quiz.mode == QuizMode.EXAM:
        _exam_credit_follow(
            ref, quiz, facts, revoke_fact=None if attempt.passed else fact
        )


def _exam_credit_follow(ref: LearnerRef, quiz, facts, *, revoke_fact) -> None:
    """Credit the exam once while a pass stands; take the hours back when none does."""
    credits = _exam_credits(ref.id, quiz.slug)
    held = sum((c.hours for c in credits), Decimal("0"))
    passes = sorted(standing_passes(facts), key=lambda f: f.id)
    active = (
        next((c for c in reversed(credits) if c.hours > 0), None) if held > 0 else None
    )
    source_stands = active is not None and active.fact_id in {f.pk for f in passes}
    if active is not None and not source_stands and revoke_fact is not None:
        # The pass this credit came from was revoked: cancel that very line.
        fact_credit_reverse(credit=active, fact=revoke_fact)
        active = None
    if active is None and passes:
        hours = policy_for_unit_path(ref.unit_path).exam_pass_hours
        if hours and hours > 0:
            fact = passes[0]
            fact_credit_add(
                learner=ref,
                fact=fact,
                key="exam:" + quiz.slug + (f":{fact.pk}" if credits else ""),
                reason=CreditReason.EXAM,
                hours=hours,
                title=quiz.title,
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
