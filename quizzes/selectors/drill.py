"""The daily drill (每日一练): a few questions a day for one learner.

It mixes three sources, in this order of priority:

- due: questions in the learner's wrong-answer book whose review is due by the
  end of `today` (earliest due first), up to half of the drill;
- unseen: active questions the learner has never been given, about 60 % of
  what is left;
- review: questions the learner has seen before, at random, for the rest.

When one source runs short the others fill in. Only objective questions are
drawn (a drill is marked at once). A drill shows the key after each answer, so
it never draws an exam's secrets: the fixed questions of a scheduled exam
not yet closed, nor a question the learner met in an exam whose answers are not
released yet (review after close, or never). The draw is seeded by learner and day, so
reloading the page the same day draws the same questions.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import ceil

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from quizzes.models import (
    OBJECTIVE_KINDS,
    AttemptItem,
    Question,
    QuizMode,
    QuizQuestion,
    ReviewPolicy,
    WrongAnswer,
)

DUE, UNSEEN, REVIEW = "due", "unseen", "review"


def _exam_secrets(*, user: AbstractBaseUser, moment: datetime) -> QuerySet:
    """Questions a drill must not show `user` with their key at `moment`."""
    fixed_in_open_exams = QuizQuestion.objects.filter(
        quiz__mode=QuizMode.EXAM, quiz__closes_at__gt=moment
    ).values("question_id")
    withheld = Q(attempt__quiz__review_policy=ReviewPolicy.NEVER) | Q(
        attempt__quiz__review_policy=ReviewPolicy.AFTER_CLOSE,
        attempt__quiz__closes_at__gt=moment,
    )
    met_in_withholding_exams = AttemptItem.objects.filter(
        withheld, attempt__user=user, attempt__quiz__mode=QuizMode.EXAM
    ).values("question_id")
    return Question.objects.filter(
        Q(pk__in=fixed_in_open_exams) | Q(pk__in=met_in_withholding_exams)
    ).values("pk")


@dataclass(frozen=True)
class DrillPick:
    question_id: int
    source: str  # DUE, UNSEEN or REVIEW


def daily_drill_draw(
    *, user: AbstractBaseUser, size: int = 10, today: date | None = None
) -> list[DrillPick]:
    today = today or timezone.localdate()
    rng = random.Random(f"{user.pk}:{today.isoformat()}")
    end_of_today = timezone.make_aware(
        datetime.combine(today + timedelta(days=1), time.min)
    )

    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    pool = (
        Question.objects.active()
        .filter(kind__in=OBJECTIVE_KINDS)
        .exclude(pk__in=_exam_secrets(user=user, moment=start_of_today))
    )
    pool_ids = sorted(pool.values_list("pk", flat=True))
    due = list(
        WrongAnswer.objects.due(end_of_today)
        .filter(user=user, question__in=pool)
        .order_by("due_at", "id")
        .values_list("question_id", flat=True)
    )
    seen = set(
        AttemptItem.objects.filter(attempt__user=user).values_list(
            "question_id", flat=True
        )
    )
    due_set = set(due)
    unseen = [pk for pk in pool_ids if pk not in seen]
    review = [pk for pk in pool_ids if pk in seen and pk not in due_set]
    rng.shuffle(unseen)
    rng.shuffle(review)

    want_due = min(len(due), ceil(size / 2))
    rest = size - want_due
    want_unseen = min(len(unseen), ceil(rest * 0.6))
    want_review = min(len(review), rest - want_unseen)
    picks = (
        [DrillPick(pk, DUE) for pk in due[:want_due]]
        + [DrillPick(pk, UNSEEN) for pk in unseen[:want_unseen]]
        + [DrillPick(pk, REVIEW) for pk in review[:want_review]]
    )
    # Fill any shortfall from what is left, in the same order of priority.
    leftovers = (
        [DrillPick(pk, DUE) for pk in due[want_due:]]
        + [DrillPick(pk, UNSEEN) for pk in unseen[want_unseen:]]
        + [DrillPick(pk, REVIEW) for pk in review[want_review:]]
    )
    picks += leftovers[: size - len(picks)]
    rng.shuffle(picks)
    return picks
