"""A trainer's marks: essays by hand, and recorded re-marks of any item.

Once an attempt is submitted these are the only ways its scores change. Each
locks the attempt, then the item (the order every writer uses), keeps the
attempt's totals and the learner's category progress in step, and a re-mark
always leaves a `ReMark` row saying who changed what and why.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizzes.errors import QuizError
from quizzes.models import Attempt, AttemptItem, AttemptStatus, ReMark
from quizzes.scoring import quantize
from quizzes.services.attempts import (
    TOTAL_FIELDS,
    announce_marked,
    attempt_totals_refresh,
)
from quizzes.services.progress import ProgressDelta, progress_apply

ITEM_MARK_FIELDS = ["score", "is_correct", "marker", "marked_at", "marker_comment"]


def _score_clean(score, points: Decimal) -> Decimal:
    try:
        value = quantize(Decimal(str(score)))
    except (InvalidOperation, ValueError):
        raise QuizError(_("分数格式不正确。"), code="bad_score") from None
    if not Decimal("0") <= value <= points:
        raise QuizError(
            _("分数须在0到%(points)s之间。") % {"points": points}, code="bad_score"
        )
    return value


def _lock(item: AttemptItem, marker: AbstractBaseUser) -> tuple[Attempt, AttemptItem]:
    if marker is None or not getattr(marker, "is_authenticated", False):
        raise QuizError(_("请先登录。"), code="login_required")
    attempt = (
        Attempt.objects.select_related("quiz")
        .select_for_update(of=("self",))
        .get(pk=item.attempt_id)
    )
    item = AttemptItem.objects.select_for_update().get(pk=item.pk)
    if marker.pk == attempt.user_id:
        raise QuizError(_("不能为自己的答卷评分。"), code="own_attempt")
    if attempt.is_in_progress:
        raise QuizError(_("答卷尚未交卷，不能评分。"), code="in_progress")
    return attempt, item


def _attempt_refresh(attempt: Attempt, now: datetime) -> None:
    was_result = (attempt.status, attempt.score, attempt.passed)
    items = list(attempt.items.all())
    attempt_totals_refresh(attempt=attempt, items=items, now=now)
    attempt.save(update_fields=TOTAL_FIELDS)
    is_result = (attempt.status, attempt.score, attempt.passed)
    if attempt.status == AttemptStatus.MARKED and was_result != is_result:
        announce_marked(attempt)


@transaction.atomic
def item_mark(
    *,
    item: AttemptItem,
    score: Decimal | int | str,
    marker: AbstractBaseUser,
    comment: str = "",
    now: datetime | None = None,
) -> AttemptItem:
    """Mark an item that waits for a trainer (an essay); the attempt is marked
    when its last such item is."""
    now = now or timezone.now()
    attempt, item = _lock(item, marker)
    if item.score is not None:
        raise QuizError(
            _("该题已评分，如需修改请重新评分并填写原因。"), code="already_marked"
        )
    item.score = _score_clean(score, item.points)
    item.is_correct = item.score == item.points
    item.marker = marker
    item.marked_at = now
    item.marker_comment = comment.strip()
    item.save(update_fields=ITEM_MARK_FIELDS)
    delta = ProgressDelta()
    delta.add_item(item)
    progress_apply(user_id=attempt.user_id, deltas={item.category_id: delta})
    _attempt_refresh(attempt, now)
    return item


@transaction.atomic
def item_remark(
    *,
    item: AttemptItem,
    score: Decimal | int | str,
    marker: AbstractBaseUser,
    reason: str,
    now: datetime | None = None,
) -> ReMark:
    """Change the score of an already marked item, with a recorded reason.

    The wrong-answer book is left as it is: it records what the learner
    answered, not how the paper was scored.
    """
    now = now or timezone.now()
    if not (reason or "").strip():
        raise QuizError(_("重新评分必须填写原因。"), code="reason_required")
    attempt, item = _lock(item, marker)
    if item.score is None:
        raise QuizError(_("该题尚未评分，请先评分。"), code="not_marked")
    new_score = _score_clean(score, item.points)
    remark = ReMark.objects.create(
        item=item,
        old_score=item.score,
        new_score=new_score,
        reason=reason.strip(),
        marked_by=marker,
        marked_at=now,
    )
    delta = ProgressDelta()
    delta.add_item(item, sign=-1)
    item.score = new_score
    item.is_correct = new_score == item.points
    item.marker = marker
    item.marked_at = now
    item.save(update_fields=["score", "is_correct", "marker", "marked_at"])
    delta.add_item(item)
    progress_apply(user_id=attempt.user_id, deltas={item.category_id: delta})
    _attempt_refresh(attempt, now)
    return remark
