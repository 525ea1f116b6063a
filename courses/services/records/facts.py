"""The one write path for facts and credits.

`fact_record` is the hot path (heartbeats, video, opens): an INSERT that does
nothing if the learner already has a fact with that key, and an INSERT of the
learner's stale marker, also doing nothing if it is there. Two statements, no
read, safe under retries and two tabs.

`fact_credit_record` is for facts that earn hours (a lesson completed, an exam
passed, attendance, an adjustment): the fact and its credit in one transaction,
each found or created by its key, so a race or a retry gives one of each.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import HourCredit, LearningFact, RecordStale

from .policy import policy_for_unit_path


@dataclass(frozen=True)
class LearnerRef:
    """What the write path needs of a learner, cacheable between requests."""

    id: int
    unit_id: int
    unit_path: str
    user_id: int

    @classmethod
    def of(cls, learner) -> "LearnerRef":
        return cls(
            id=learner.pk,
            unit_id=learner.unit_id,
            unit_path=learner.unit.path,
            user_id=learner.user_id,
        )


def stale_mark(*, learner_ids) -> None:
    RecordStale.objects.bulk_create(
        [RecordStale(learner_id=pk) for pk in learner_ids], ignore_conflicts=True
    )


def fact_record(
    *,
    learner: LearnerRef,
    kind: str,
    key: str,
    occurred_at: datetime | None = None,
    lesson_id: int | None = None,
    seconds: int | None = None,
    value: Decimal | None = None,
    quiz_code: str = "",
    title: str = "",
) -> None:
    # One commit for both statements (they are still two).
    with transaction.atomic():
        _fact_insert(
            learner=learner,
            kind=kind,
            key=key,
            occurred_at=occurred_at,
            lesson_id=lesson_id,
            seconds=seconds,
            value=value,
            quiz_code=quiz_code,
            title=title,
        )
        stale_mark(learner_ids=[learner.id])


def _fact_insert(
    *,
    learner: LearnerRef,
    kind: str,
    key: str,
    occurred_at,
    lesson_id,
    seconds,
    value,
    quiz_code: str,
    title: str,
) -> None:
    LearningFact.objects.bulk_create(
        [
            LearningFact(
                learner_id=learner.id,
                unit_id=learner.unit_id,
                kind=kind,
                key=key,
                occurred_at=occurred_at or timezone.now(),
                lesson_id=lesson_id,
                seconds=seconds,
                value=value,
                quiz_code=quiz_code,
                title=title[:255],
            )
        ],
        ignore_conflicts=True,
    )


def _get_or_create(model, *, learner_id: int, key: str, defaults: dict):
    existing = model.objects.filter(learner_id=learner_id, key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return model.objects.create(
                learner_id=learner_id, key=key, **defaults
            ), True
    except IntegrityError:
        # Another request created it between our read and our write.
        return model.objects.get(learner_id=learner_id, key=key), False


@transaction.atomic
def fact_credit_record(
    *,
    learner: LearnerRef,
    kind: str,
    key: str,
    credit_key: str,
    credit_reason: str,
    hours: Decimal | None,
    title: str,
    occurred_at: datetime | None = None,
    lesson_id: int | None = None,
    quiz_code: str = "",
    seconds: int | None = None,
    value: Decimal | None = None,
    reason: str = "",
    recorded_by=None,
    mark_stale: bool = True,
) -> tuple[LearningFact, HourCredit | None, bool]:
    """Record a fact that earns hours, and its credit unless that key was credited.

    Returns (fact, credit, created): `credit` is the ledger line for `credit_key`
    (possibly from an earlier fact); `created` says whether the fact is new.
    """
    occurred_at = occurred_at or timezone.now()
    fact, created = _get_or_create(
        LearningFact,
        learner_id=learner.id,
        key=key,
        defaults={
            "kind": kind,
            "unit_id": learner.unit_id,
            "occurred_at": occurred_at,
            "lesson_id": lesson_id,
            "quiz_code": quiz_code,
            "seconds": seconds,
            "value": value,
            "title": title[:255],
            "reason": reason,
            "recorded_by": recorded_by,
        },
    )
    credit = None
    if hours is not None:
        credit = fact_credit_add(
            learner=learner,
            fact=fact,
            key=credit_key,
            reason=credit_reason,
            hours=hours,
            title=title,
        )
    if mark_stale:
        stale_mark(learner_ids=[learner.id])
    return fact, credit, created


def fact_credit_add(
    *,
    learner: LearnerRef,
    fact: LearningFact,
    key: str,
    reason: str,
    hours: Decimal,
    title: str,
) -> HourCredit:
    """The ledger line for `key`, credited from `fact` unless the key was credited:
    in the training year and unit of the fact."""
    policy = policy_for_unit_path(learner.unit_path)
    credit, _ = _get_or_create(
        HourCredit,
        learner_id=learner.id,
        key=key,
        defaults={
            "fact": fact,
            "reason": reason,
            "hours": hours,
            "training_year": policy.training_year_of(fact.occurred_at),
            "unit_id": fact.unit_id,
            "title": title[:255],
            "credited_at": fact.occurred_at,
        },
    )
    return credit


def fact_credit_reverse(*, credit: HourCredit, fact: LearningFact) -> HourCredit:
    """A ledger line that cancels `credit`, sourced from `fact` (why it was taken
    back). It lands in the cancelled line's training year and unit, so last
    year's total is corrected rather than this year's; once per credit."""
    reversal, _ = _get_or_create(
        HourCredit,
        learner_id=credit.learner_id,
        key=f"{credit.key}:undo:{credit.pk}"[-100:],
        defaults={
            "fact": fact,
            "reason": credit.reason,
            "hours": -credit.hours,
            "training_year": credit.training_year,
            "unit_id": credit.unit_id,
            "title": credit.title,
            "credited_at": fact.occurred_at,
        },
    )
    stale_mark(learner_ids=[credit.learner_id])
    return reversal
