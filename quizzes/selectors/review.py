"""What a learner may see of an attempt: the one place answers leave a snapshot.

The review policy decides when correct answers, explanations and each item's
right/wrong and score may be shown:

- immediately (practice, drill): each item once its feedback was shown, and
  every item after submission;
- after submit: once the attempt is submitted;
- after close: once the attempt is submitted and the quiz has closed;
- never: not at all.

The total score and pass are shown once the attempt is fully marked; under
"after close" only after the close as well, so a learner allowed several
attempts cannot work out the answer key from scores while others still sit the
exam. The learner's own answers are always theirs to see.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizzes.errors import QuizError
from quizzes.models import Attempt, AttemptItem, AttemptStatus, ReviewPolicy
from quizzes.scoring import correct_answer


@dataclass(frozen=True)
class ItemReview:
    position: int
    kind: str
    stem: str
    # {"id", "text"} in the attempt's display order; "correct" only with the key.
    options: list[dict[str, Any]]
    blank_count: int
    points: Decimal
    response: dict[str, Any] | None
    shows_key: bool
    is_correct: bool | None = None
    score: Decimal | None = None
    correct_answer: dict[str, Any] | None = None
    explanation: str | None = None
    marker_comment: str | None = None
    # For the paper while it is being taken: the item's revision (sent back with
    # each save) and whether its answer was checked, so it can no longer change.
    revision: int = 0
    checked: bool = False


@dataclass(frozen=True)
class AttemptReview:
    attempt: Attempt
    shows_score: bool
    score: Decimal | None
    max_score: Decimal
    percent: Decimal | None
    passed: bool | None
    key_available_at: datetime | None  # when the answers will show, if known
    items: list[ItemReview]


def _item_review(item: AttemptItem, shows_key: bool) -> ItemReview:
    snapshot = item.snapshot
    by_id = {option["id"]: option for option in snapshot.get("options", [])}
    options = []
    for option_id in item.option_order:
        option = {"id": option_id, "text": by_id[option_id]["text"]}
        if shows_key:
            option["correct"] = by_id[option_id]["correct"]
        options.append(option)
    review = ItemReview(
        position=item.position,
        kind=snapshot["kind"],
        stem=snapshot["stem"],
        options=options,
        blank_count=len(snapshot.get("blanks", [])),
        points=item.points,
        response=item.response,
        shows_key=shows_key,
        revision=item.revision,
        checked=item.checked_at is not None,
    )
    if not shows_key:
        return review
    return replace(
        review,
        is_correct=item.is_correct,
        score=item.score,
        correct_answer=correct_answer(snapshot),
        explanation=snapshot.get("explanation", ""),
        marker_comment=item.marker_comment,
    )


def attempt_review(
    *, attempt: Attempt, user: AbstractBaseUser, now: datetime | None = None
) -> AttemptReview:
    """The learner's view of their attempt, with only what the policy allows now."""
    now = now or timezone.now()
    if getattr(user, "pk", None) != attempt.user_id:
        raise QuizError(_("找不到该答卷。"), code="not_owner")
    quiz = attempt.quiz
    policy = quiz.review_policy
    finished = not attempt.is_in_progress
    closed = quiz.closes_at is not None and now >= quiz.closes_at

    def shows_key(item: AttemptItem) -> bool:
        if policy == ReviewPolicy.IMMEDIATELY:
            return finished or item.checked_at is not None
        if policy == ReviewPolicy.AFTER_SUBMIT:
            return finished
        if policy == ReviewPolicy.AFTER_CLOSE:
            return finished and closed
        return False

    marked = attempt.status == AttemptStatus.MARKED
    shows_score = marked and (policy != ReviewPolicy.AFTER_CLOSE or closed)
    key_available_at = None
    if policy == ReviewPolicy.AFTER_CLOSE and not closed:
        key_available_at = quiz.closes_at
    items = [
        _item_review(item, shows_key(item))
        for item in attempt.items.order_by("position")
    ]
    return AttemptReview(
        attempt=attempt,
        shows_score=shows_score,
        score=attempt.score if shows_score else None,
        max_score=attempt.max_score,
        percent=attempt.percent if shows_score else None,
        passed=attempt.passed if shows_score else None,
        key_available_at=key_available_at,
        items=items,
    )
