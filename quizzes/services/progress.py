"""Per-category progress: an aggregate of marked items, kept apart from the facts.

The facts are attempt items with a score in finished attempts. Writers add each
item's contribution once, when it gets its score (at submit, or when a trainer
marks it) and add the difference when it is re-marked; `progress_rebuild`
recomputes the same numbers from the facts.

Every writer, and the rebuild, first locks the learner's user row (FOR NO KEY
UPDATE, so logins and foreign keys are not blocked), so a rebuild never
interleaves with an increment for the same learner.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum

from quizzes.models import AttemptItem, AttemptStatus, CategoryProgress


@dataclass
class ProgressDelta:
    items: int = 0
    answered: int = 0
    correct: int = 0
    score: Decimal = Decimal("0")
    max_score: Decimal = Decimal("0")

    def add_item(self, item: AttemptItem, sign: int = 1) -> None:
        self.items += sign
        self.answered += sign * int(item.response is not None)
        self.correct += sign * int(bool(item.is_correct))
        self.score += sign * (item.score or Decimal("0"))
        self.max_score += sign * item.points

    def is_zero(self) -> bool:
        return not any(
            [self.items, self.answered, self.correct, self.score, self.max_score]
        )


def progress_lock(*, user_id: int) -> None:
    list(
        get_user_model()
        .objects.select_for_update(no_key=True)
        .filter(pk=user_id)
        .values_list("pk", flat=True)
    )


def progress_add_items(*, user_id: int, items: Iterable[AttemptItem]) -> None:
    """Count newly scored items of one learner (call inside the scoring transaction)."""
    deltas: dict[int, ProgressDelta] = defaultdict(ProgressDelta)
    for item in items:
        if item.score is not None:
            deltas[item.category_id].add_item(item)
    progress_apply(user_id=user_id, deltas=deltas)


@transaction.atomic
def progress_apply(*, user_id: int, deltas: dict[int, ProgressDelta]) -> None:
    deltas = {cid: d for cid, d in deltas.items() if not d.is_zero()}
    if not deltas:
        return
    progress_lock(user_id=user_id)
    # Category order keeps two transactions of one learner from deadlocking.
    for category_id in sorted(deltas):
        delta = deltas[category_id]
        changes = {
            "items": F("items") + delta.items,
            "answered": F("answered") + delta.answered,
            "correct": F("correct") + delta.correct,
            "score": F("score") + delta.score,
            "max_score": F("max_score") + delta.max_score,
        }
        rows = CategoryProgress.objects.filter(user_id=user_id, category_id=category_id)
        if rows.update(**changes):
            continue
        try:
            with transaction.atomic():
                CategoryProgress.objects.create(
                    user_id=user_id,
                    category_id=category_id,
                    items=delta.items,
                    answered=delta.answered,
                    correct=delta.correct,
                    score=delta.score,
                    max_score=delta.max_score,
                )
        except IntegrityError:
            rows.update(**changes)


def _facts():
    return AttemptItem.objects.filter(score__isnull=False).exclude(
        attempt__status=AttemptStatus.IN_PROGRESS
    )


def progress_rebuild(*, user: AbstractBaseUser | None = None) -> int:
    """Recompute category progress from the attempt items; returns rows written.

    With `user`, only that learner; without, every learner, one transaction each.
    """
    if user is not None:
        return _progress_rebuild_one(user_id=user.pk)
    user_ids = set(_facts().values_list("attempt__user_id", flat=True).distinct())
    user_ids |= set(CategoryProgress.objects.values_list("user_id", flat=True))
    return sum(_progress_rebuild_one(user_id=uid) for uid in sorted(user_ids))


@transaction.atomic
def _progress_rebuild_one(*, user_id: int) -> int:
    progress_lock(user_id=user_id)
    rows = (
        _facts()
        .filter(attempt__user_id=user_id)
        .values("category_id")
        .annotate(
            n_items=Count("pk"),
            n_answered=Count("pk", filter=Q(response__isnull=False)),
            n_correct=Count("pk", filter=Q(is_correct=True)),
            total_score=Sum("score"),
            total_max=Sum("points"),
        )
        .order_by("category_id")
    )
    CategoryProgress.objects.filter(user_id=user_id).delete()
    created = CategoryProgress.objects.bulk_create(
        CategoryProgress(
            user_id=user_id,
            category_id=row["category_id"],
            items=row["n_items"],
            answered=row["n_answered"],
            correct=row["n_correct"],
            score=row["total_score"],
            max_score=row["total_max"],
        )
        for row in rows
    )
    return len(created)
