"""The wrong-answer book (错题本) and its spaced review.

A question answered wrong goes into the learner's book (or back to the start of
its review if already there) and is due for review the next day. Each later
correct answer moves the next review further out; `MASTERY_STREAK` correct
answers in a row mark it mastered. Another wrong answer starts over. Only
objective questions enter the book, and only answers actually given: a question
left blank is not an error the learner made, and a timed-out exam must not
flood the book.
"""

from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from quizzes.models import OBJECTIVE_KINDS, AttemptItem, Question, WrongAnswer

MASTERY_STREAK = 2
# Due again this long after a wrong answer, then after each correct one.
REVIEW_INTERVALS = [timedelta(days=1), timedelta(days=3)]


def _interval(streak: int) -> timedelta:
    return REVIEW_INTERVALS[min(streak, len(REVIEW_INTERVALS) - 1)]


def _entry(user_id: int, question_id: int) -> WrongAnswer | None:
    return (
        WrongAnswer.objects.select_for_update()
        .filter(user_id=user_id, question_id=question_id)
        .first()
    )


_UNREAD = object()  # record_* reads the entry itself


def record_wrong(
    *,
    user_id: int,
    question_id: int,
    item_id: int | None,
    now: datetime,
    entry: WrongAnswer | None | object = _UNREAD,
) -> WrongAnswer:
    if entry is _UNREAD:
        entry = _entry(user_id, question_id)
    if entry is None:
        try:
            with transaction.atomic():
                return WrongAnswer.objects.create(
                    user_id=user_id,
                    question_id=question_id,
                    times_wrong=1,
                    last_wrong_at=now,
                    due_at=now + _interval(0),
                    first_item_id=item_id,
                    last_item_id=item_id,
                )
        except IntegrityError:  # the same learner's other transaction got here first
            entry = _entry(user_id, question_id)
            assert entry is not None
    entry.times_wrong += 1
    entry.last_wrong_at = max(now, entry.last_wrong_at)
    entry.consecutive_correct = 0
    entry.mastered_at = None
    entry.due_at = now + _interval(0)
    entry.last_item_id = item_id
    entry.save(
        update_fields=[
            "times_wrong",
            "last_wrong_at",
            "consecutive_correct",
            "mastered_at",
            "due_at",
            "last_item",
        ]
    )
    return entry


def record_correct(
    *,
    user_id: int,
    question_id: int,
    item_id: int | None,
    now: datetime,
    entry: WrongAnswer | None | object = _UNREAD,
) -> WrongAnswer | None:
    if entry is _UNREAD:
        entry = _entry(user_id, question_id)
    # Not in the book, already mastered, or an answer older than the last mistake.
    if entry is None or entry.is_mastered or now <= entry.last_wrong_at:
        return entry
    entry.consecutive_correct += 1
    entry.last_reviewed_at = now
    entry.last_item_id = item_id
    if entry.consecutive_correct >= MASTERY_STREAK:
        entry.mastered_at = now
        entry.due_at = None
    else:
        entry.due_at = now + _interval(entry.consecutive_correct)
    entry.save(
        update_fields=[
            "consecutive_correct",
            "last_reviewed_at",
            "last_item",
            "mastered_at",
            "due_at",
        ]
    )
    return entry


@transaction.atomic
def wrong_answer_record_wrong(
    *,
    user: AbstractBaseUser,
    question: Question,
    item: AttemptItem | None = None,
    now: datetime | None = None,
) -> WrongAnswer:
    """Put `question` in `user`'s book (again): due for review tomorrow."""
    return record_wrong(
        user_id=user.pk,
        question_id=question.pk,
        item_id=item.pk if item else None,
        now=now or timezone.now(),
    )


@transaction.atomic
def wrong_answer_record_correct(
    *,
    user: AbstractBaseUser,
    question: Question,
    item: AttemptItem | None = None,
    now: datetime | None = None,
) -> WrongAnswer | None:
    """Count a correct answer to a question in the book; None if it is not there."""
    return record_correct(
        user_id=user.pk,
        question_id=question.pk,
        item_id=item.pk if item else None,
        now=now or timezone.now(),
    )


def book_record_items(*, user_id: int, items: list[AttemptItem], now: datetime) -> None:
    """Record the answered objective items of one attempt (inside its transaction).

    The learner's entries for these questions are read and locked in one
    statement, in question order like the one-by-one path, not one per item.
    """
    answered = sorted(
        (i for i in items if i.kind in OBJECTIVE_KINDS and i.response is not None),
        key=lambda i: i.question_id,
    )
    if not answered:
        return
    entries = {
        entry.question_id: entry
        for entry in WrongAnswer.objects.select_for_update()
        .filter(user_id=user_id, question_id__in=[i.question_id for i in answered])
        .order_by("question_id")
    }
    for item in answered:
        record = record_correct if item.is_correct else record_wrong
        record(
            user_id=user_id,
            question_id=item.question_id,
            item_id=item.pk,
            now=now,
            entry=entries.get(item.question_id),
        )
