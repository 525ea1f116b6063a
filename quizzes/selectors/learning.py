"""Reads of what a learner has learned: the wrong-answer book and category progress."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet, Sum

from quizzes.models import Category, CategoryProgress, WrongAnswer


def wrong_answers_for(
    *,
    user: AbstractBaseUser,
    category: Category | None = None,
    include_mastered: bool = False,
) -> QuerySet[WrongAnswer]:
    """The learner's wrong-answer book, most recent mistake first.

    With `category`, only questions in it or below it (by tree path).
    """
    entries = WrongAnswer.objects.filter(user=user).select_related(
        "question", "question__category"
    )
    if not include_mastered:
        entries = entries.unmastered()
    if category is not None:
        entries = entries.filter(question__category__path__startswith=category.path)
    return entries.order_by("-last_wrong_at", "id")


@dataclass(frozen=True)
class ProgressSummary:
    items: int
    answered: int
    correct: int
    score: Decimal
    max_score: Decimal

    @property
    def percent(self) -> Decimal | None:
        if not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.01"))


def category_progress_for(
    *, user: AbstractBaseUser, category: Category, include_subcategories: bool = True
) -> ProgressSummary:
    """The learner's progress in a category, and by default everything under it."""
    rows = CategoryProgress.objects.filter(user=user)
    if include_subcategories:
        rows = rows.filter(category__path__startswith=category.path)
    else:
        rows = rows.filter(category=category)
    totals = rows.aggregate(
        items=Sum("items"),
        answered=Sum("answered"),
        correct=Sum("correct"),
        score=Sum("score"),
        max_score=Sum("max_score"),
    )
    return ProgressSummary(
        items=totals["items"] or 0,
        answered=totals["answered"] or 0,
        correct=totals["correct"] or 0,
        score=totals["score"] or Decimal("0"),
        max_score=totals["max_score"] or Decimal("0"),
    )
