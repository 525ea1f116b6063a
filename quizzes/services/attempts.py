"""An attempt's life: start → save answers → submit (→ marking elsewhere).

Concurrency, in one place:

- Start: a partial unique constraint allows one in-progress attempt per learner
  and quiz, and (quiz, user, number) is unique. Two tabs or devices starting at
  once both try to insert; the loser's insert fails and it resumes the winner's
  attempt. The same constraint keeps `max_attempts` under a race.
- Save and submit both lock the attempt row first (SELECT … FOR UPDATE OF the
  attempt only). A conditional UPDATE alone ("… WHERE attempt is in progress")
  is not enough on PostgreSQL: under READ COMMITTED its sub-select sees the
  attempt as it was when the statement began, so an answer could land after
  the submit had read the items and be stored but never marked. With the lock,
  an answer either commits before the submit reads it or sees the submitted
  attempt and is refused. A save is still two statements: the locking SELECT of
  the item joined with its attempt and quiz, and one UPDATE of the item.
- Submit is idempotent: a second call finds the attempt finished and returns
  it unchanged, so nothing is counted twice.

Call these outside any transaction of your own: a refused late answer first
commits the automatic submission, then raises.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from quizzes.errors import QuizError
from quizzes.models import (
    CHOICE_KINDS,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Question,
    QuestionKnowledgePoint,
    QuestionUsage,
    Quiz,
    QuizMode,
    SubmitReason,
)
from quizzes.scoring import (
    correct_answer,
    quantize,
    question_snapshot,
    response_clean,
    response_mark,
)
from quizzes.selectors.drill import daily_drill_draw
from quizzes.services.book import book_record_items, record_correct, record_wrong
from quizzes.services.progress import progress_add_items
from quizzes.signals import attempt_marked

_random = secrets.SystemRandom()  # papers must not be predictable


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _refuse_not_owner() -> QuizError:
    return QuizError(_("找不到该答卷。"), code="not_owner")


# ---------------------------------------------------------------- start


def attempt_start(
    *, quiz: Quiz, user: AbstractBaseUser, now: datetime | None = None
) -> Attempt:
    """The learner's attempt at `quiz`: the one in progress, or a new one.

    A reload, a second tab or another device gets the attempt already in
    progress, with its deadline unchanged. An in-progress attempt whose time has
    run out (or a daily drill left open from an earlier day) is submitted first.
    Raises QuizError when the quiz is not published or not open, or no attempts
    are left.
    """
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        raise QuizError(_("请先登录。"), code="login_required")
    for _round in range(3):
        attempt, taken = _open_attempt(quiz=quiz, user=user)
        if attempt is not None:
            if not _has_run_out(attempt, quiz=quiz, now=now):
                return attempt
            attempt_submit(
                attempt=attempt, user=user, reason=SubmitReason.TIMEOUT, now=now
            )
        number = _next_number(quiz=quiz, taken=taken, now=now)
        try:
            with transaction.atomic():
                return _attempt_create(quiz=quiz, user=user, number=number, now=now)
        except IntegrityError:
            continue  # another tab or device started at the same moment: resume it
    raise QuizError(_("开始答题失败，请稍后重试。"), code="busy")


def _has_run_out(attempt: Attempt, *, quiz: Quiz, now: datetime) -> bool:
    """Past its deadline, or a daily drill left open from an earlier day."""
    if attempt.is_overdue(now):
        return True
    started_on = timezone.localdate(attempt.started_at)
    return quiz.mode == QuizMode.DRILL and started_on < timezone.localdate(now)


def _open_attempt(*, quiz: Quiz, user: AbstractBaseUser) -> tuple[Attempt | None, int]:
    """The attempt in progress, if any, and the highest attempt number so far.

    One statement: the learner's attempts at one quiz are few.
    """
    attempts = list(Attempt.objects.filter(quiz=quiz, user=user).order_by("-number"))
    open_attempt = next((a for a in attempts if a.is_in_progress), None)
    if open_attempt is not None:
        open_attempt.quiz = quiz
    return open_attempt, attempts[0].number if attempts else 0


def _next_number(*, quiz: Quiz, taken: int, now: datetime) -> int:
    if not quiz.is_published:
        raise QuizError(_("该测验尚未发布。"), code="not_published")
    if quiz.opens_at and now < quiz.opens_at:
        raise QuizError(
            _("该测验尚未开放，开放时间为%(time)s。") % {"time": _local(quiz.opens_at)},
            code="not_open",
        )
    if quiz.closes_at and now >= quiz.closes_at:
        raise QuizError(
            _("该测验已于%(time)s结束。") % {"time": _local(quiz.closes_at)},
            code="closed",
        )
    if quiz.max_attempts is not None and taken >= quiz.max_attempts:
        raise QuizError(
            _("您已用完全部%(count)s次作答机会。") % {"count": quiz.max_attempts},
            code="no_attempts_left",
        )
    return taken + 1


@dataclass(frozen=True)
class _Pick:
    question_id: int
    points: Decimal | None  # None: the question's default points
    by_rule: bool = False


def _draw(*, quiz: Quiz, user: AbstractBaseUser, now: datetime) -> list[_Pick]:
    if quiz.mode == QuizMode.DRILL:
        drawn = daily_drill_draw(
            user=user, size=quiz.drill_size, today=timezone.localdate(now)
        )
        return [_Pick(pick.question_id, None) for pick in drawn]
    picks = [
        _Pick(link.question_id, link.points)
        for link in quiz.fixed_in_order(active_only=True)
    ]
    taken = {pick.question_id for pick in picks}
    for rule in quiz.rules_in_order():
        candidates = rule.candidates()
        ids = [i for i in candidates.values_list("pk", flat=True) if i not in taken]
        if len(ids) < rule.count:
            # quiz_validate refuses such a blueprint; the bank shrank since.
            raise QuizError(
                _("题库中符合组卷规则的题目不足，请联系教员。"), code="bank_too_small"
            )
        usage = dict(
            QuestionUsage.objects.filter(
                quiz=quiz, question__in=candidates
            ).values_list("question_id", "times_drawn")
        )
        _random.shuffle(ids)
        ids.sort(key=lambda pk: usage.get(pk, 0))  # stable: random among equals
        for pk in ids[: rule.count]:
            picks.append(_Pick(pk, rule.points_each, by_rule=True))
            taken.add(pk)
    return picks


def _knowledge_points(question_ids: Iterable[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for qid, name in QuestionKnowledgePoint.objects.filter(
        content_object_id__in=list(question_ids)
    ).values_list("content_object_id", "tag__name"):
        names.setdefault(qid, []).append(name)
    return names


def _attempt_create(
    *, quiz: Quiz, user: AbstractBaseUser, number: int, now: datetime
) -> Attempt:
    picks = _draw(quiz=quiz, user=user, now=now)
    if not picks:
        raise QuizError(_("暂时没有可作答的题目，请联系教员。"), code="no_questions")
    if quiz.shuffle_questions:
        _random.shuffle(picks)
    ids = [pick.question_id for pick in picks]
    questions = Question.objects.select_related("category").prefetch_related(
        "options", "blank_answers"
    )
    by_id = questions.in_bulk(ids)
    points_tags = _knowledge_points(ids)

    deadlines = []
    if quiz.time_limit:
        deadlines.append(now + timedelta(minutes=quiz.time_limit))
    if quiz.closes_at:
        deadlines.append(quiz.closes_at)
    attempt = Attempt(
        user=user,
        quiz=quiz,
        number=number,
        started_at=now,
        deadline=min(deadlines) if deadlines else None,
    )
    items = []
    for position, pick in enumerate(picks, start=1):
        question = by_id[pick.question_id]
        snapshot = question_snapshot(
            question, knowledge_points=points_tags.get(question.pk, [])
        )
        order = [option["id"] for option in snapshot.get("options", [])]
        if quiz.shuffle_options and question.kind in CHOICE_KINDS:
            _random.shuffle(order)
        items.append(
            AttemptItem(
                position=position,
                question=question,
                category_id=question.category_id,
                kind=question.kind,
                points=pick.points or question.points,
                snapshot=snapshot,
                option_order=order,
            )
        )
    attempt.max_score = sum((item.points for item in items), Decimal("0"))
    attempt.save()
    for item in items:
        item.attempt = attempt
    AttemptItem.objects.bulk_create(items)
    # Last, so the hot usage rows are locked only until the commit just after.
    _usage_record(quiz=quiz, question_ids=[p.question_id for p in picks if p.by_rule])
    return attempt


def _usage_record(*, quiz: Quiz, question_ids: list[int]) -> None:
    if not question_ids:
        return
    ids = sorted(question_ids)  # one lock order for every starter
    QuestionUsage.objects.bulk_create(
        [QuestionUsage(quiz=quiz, question_id=pk) for pk in ids],
        ignore_conflicts=True,
    )
    QuestionUsage.objects.filter(quiz=quiz, question_id__in=ids).update(
        times_drawn=F("times_drawn") + 1
    )


# ---------------------------------------------------------------- answer


@dataclass(frozen=True)
class Feedback:
    """What practice mode shows right after an answer."""

    is_correct: bool
    score: Decimal
    correct_answer: dict[str, Any]
    explanation: str


@dataclass(frozen=True)
class AnswerResult:
    item: AttemptItem
    changed: bool  # False when the same answer was already saved
    feedback: Feedback | None  # only in practice and drill modes


def _feedback(item: AttemptItem) -> Feedback | None:
    if item.checked_at is None or item.score is None:
        return None
    return Feedback(
        is_correct=bool(item.is_correct),
        score=item.score,
        correct_answer=correct_answer(item.snapshot),
        explanation=item.snapshot.get("explanation", ""),
    )


def answer_save(
    *,
    attempt: Attempt,
    user: AbstractBaseUser,
    response: Any,
    position: int | None = None,
    question_id: int | None = None,
    client_revision: int | None = None,
    now: datetime | None = None,
) -> AnswerResult:
    """Save the learner's answer to one item, found by `position` or `question_id`.

    Saving the same answer again changes nothing. With `client_revision` (the
    item's revision the page last saw), an answer based on an older revision —
    another tab's, or a request that arrived late — is refused rather than
    overwriting a newer one. In practice and drill modes the item is marked at
    once, the feedback returned, the wrong-answer book updated, and the answer
    can no longer change.
    """
    if (position is None) == (question_id is None):
        raise TypeError("answer_save() needs exactly one of position, question_id")
    if attempt.user_id != getattr(user, "pk", None):
        raise _refuse_not_owner()
    lookup = (
        {"position": position} if position is not None else {"question_id": question_id}
    )
    return _answer_save(
        items=AttemptItem.objects.filter(attempt_id=attempt.pk, **lookup),
        user=user,
        response=response,
        client_revision=client_revision,
        now=now or timezone.now(),
    )


def answer_save_by_token(
    *,
    token: str,
    user: AbstractBaseUser,
    position: int,
    response: Any,
    client_revision: int | None = None,
    now: datetime | None = None,
) -> AnswerResult:
    """`answer_save` for the page script, which knows the attempt by its token.

    The attempt is found, checked to be the learner's and locked by the same
    statement that reads the item, so a save costs two statements, not three:
    at the start of an exam every taker saves at once. Raises
    Attempt.DoesNotExist when the learner has no attempt with this token.
    """
    user_id = getattr(user, "pk", None)
    if user_id is None:
        raise Attempt.DoesNotExist
    try:
        return _answer_save(
            items=AttemptItem.objects.filter(
                attempt__token=token, attempt__user_id=user_id, position=position
            ),
            user=user,
            response=response,
            client_revision=client_revision,
            now=now or timezone.now(),
        )
    except QuizError as error:
        if error.code == "not_in_attempt" and not (
            Attempt.objects.filter(token=token, user_id=user_id).exists()
        ):
            raise Attempt.DoesNotExist from error
        raise


def _answer_save(
    *,
    items: QuerySet[AttemptItem],
    user: AbstractBaseUser,
    response: Any,
    client_revision: int | None,
    now: datetime,
) -> AnswerResult:
    with transaction.atomic():
        item = (
            items.select_related("attempt__quiz")
            .select_for_update(of=("attempt",))
            .first()
        )
        if item is None:
            raise QuizError(_("该题不在本次答卷中。"), code="not_in_attempt")
        locked = item.attempt
        if locked.user_id != user.pk:
            raise _refuse_not_owner()
        if not locked.is_in_progress:
            raise QuizError(_("本次答卷已交卷，不能再修改答案。"), code="submitted")
        if not locked.is_overdue(now):
            return _answer_write(
                item=item, response=response, now=now, rev=client_revision
            )
    # Out of time: commit the automatic submission, then refuse the answer.
    attempt_submit(attempt=locked, user=user, reason=SubmitReason.TIMEOUT, now=now)
    raise QuizError(
        _("答题时间已到，试卷已自动交卷，这次作答没有保存。"), code="time_up"
    )


def _answer_write(
    *, item: AttemptItem, response: Any, now: datetime, rev: int | None
) -> AnswerResult:
    canonical = response_clean(item.snapshot, response)
    if canonical == item.response:
        return AnswerResult(item=item, changed=False, feedback=_feedback(item))
    if item.checked_at is not None:
        raise QuizError(_("本题已显示答案，不能再修改。"), code="already_checked")
    if rev is not None and rev != item.revision:
        raise QuizError(
            _("本题答案已在其他页面或设备上更新，请刷新后再作答。"), code="stale"
        )
    changes: dict[str, Any] = {"response": canonical, "answered_at": now}
    quiz = item.attempt.quiz
    if quiz.gives_feedback and canonical is not None:
        mark = response_mark(item.snapshot, canonical, item.points)
        if mark is not None:
            changes.update(
                score=mark.score,
                is_correct=mark.is_correct,
                checked_at=now,
                marked_at=now,
            )
    updated = AttemptItem.objects.filter(pk=item.pk, revision=item.revision).update(
        revision=F("revision") + 1, **changes
    )
    if not updated:  # cannot happen while the attempt row is locked; never guess
        raise QuizError(
            _("本题答案已在其他页面或设备上更新，请刷新后再作答。"), code="stale"
        )
    for name, value in changes.items():
        setattr(item, name, value)
    item.revision += 1
    if item.checked_at is not None:
        record = record_correct if item.is_correct else record_wrong
        record(
            user_id=item.attempt.user_id,
            question_id=item.question_id,
            item_id=item.pk,
            now=now,
        )
    return AnswerResult(item=item, changed=True, feedback=_feedback(item))


# ---------------------------------------------------------------- submit


def attempt_totals_refresh(
    *, attempt: Attempt, items: list[AttemptItem], now: datetime
) -> None:
    """Set score, percent, status and pass from the items (the caller saves)."""
    attempt.max_score = sum((item.points for item in items), Decimal("0"))
    attempt.score = sum((item.score or Decimal("0") for item in items), Decimal("0"))
    attempt.percent = (
        quantize(attempt.score * 100 / attempt.max_score)
        if attempt.max_score
        else Decimal("0.00")
    )
    if any(item.score is None for item in items):
        attempt.status = AttemptStatus.NEEDS_MARKING
        attempt.passed = None
        attempt.marked_at = None
    else:
        attempt.status = AttemptStatus.MARKED
        attempt.passed = attempt.percent >= attempt.quiz.pass_mark
        attempt.marked_at = attempt.marked_at or now


TOTAL_FIELDS = ["max_score", "score", "percent", "status", "passed", "marked_at"]


def announce_marked(attempt: Attempt) -> None:
    transaction.on_commit(lambda: attempt_marked.send(sender=Attempt, attempt=attempt))


def attempt_submit(
    *,
    attempt: Attempt,
    user: AbstractBaseUser | None,
    reason: str = SubmitReason.LEARNER,
    now: datetime | None = None,
) -> Attempt:
    """Hand the attempt in: mark what the machine can, count it once.

    `user` is the learner; None only for the system's timeout sweep. Calling it
    again for a finished attempt returns that attempt unchanged. An attempt
    handed in after its deadline counts as timed out, at its deadline.
    """
    return _submit(attempt=attempt, user=user, reason=reason, now=now)[0]


def attempt_submit_by_token(
    *, token: str, user: AbstractBaseUser, now: datetime | None = None
) -> Attempt:
    """`attempt_submit` for the learner's submit button, which knows the token.

    Finds and locks the learner's attempt in one statement. Raises
    Attempt.DoesNotExist when the learner has no attempt with this token.
    """
    user_id = getattr(user, "pk", None)
    if user_id is None:
        raise Attempt.DoesNotExist
    return _submit(
        attempt=None,
        user=user,
        reason=SubmitReason.LEARNER,
        now=now,
        lookup={"token": token, "user_id": user_id},
    )[0]


@transaction.atomic
def _submit(
    *,
    attempt: Attempt | None,
    user: AbstractBaseUser | None,
    reason: str,
    now: datetime | None,
    lookup: dict[str, Any] | None = None,
) -> tuple[Attempt, bool]:
    now = now or timezone.now()
    if user is None and reason != SubmitReason.TIMEOUT:
        raise TypeError("only the timeout sweep may submit without a user")
    attempt = (
        Attempt.objects.select_related("quiz")
        .select_for_update(of=("self",))
        .get(**(lookup or {"pk": attempt.pk}))
    )
    if user is not None and attempt.user_id != user.pk:
        raise _refuse_not_owner()
    if not attempt.is_in_progress:
        return attempt, False
    submitted_at = now
    if attempt.is_overdue(now):
        reason, submitted_at = SubmitReason.TIMEOUT, attempt.deadline
    items = list(attempt.items.all())
    for item in items:
        mark = response_mark(item.snapshot, item.response, item.points)
        if mark is not None:  # None: an essay waiting for a trainer
            item.score, item.is_correct = mark.score, mark.is_correct
            item.marked_at = item.marked_at or now
    AttemptItem.objects.bulk_update(items, ["score", "is_correct", "marked_at"])
    attempt.submitted_at = submitted_at
    attempt.submit_reason = reason
    attempt_totals_refresh(attempt=attempt, items=items, now=now)
    attempt.save(update_fields=["submitted_at", "submit_reason", *TOTAL_FIELDS])
    progress_add_items(user_id=attempt.user_id, items=items)
    # Practice items went into the book when they were checked.
    book_record_items(
        user_id=attempt.user_id,
        items=[item for item in items if item.checked_at is None],
        now=now,
    )
    if attempt.status == AttemptStatus.MARKED:
        announce_marked(attempt)
    return attempt, True


def attempts_expire(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Submit in-progress attempts past their deadline; returns how many.

    For a periodic task. Each attempt is submitted in its own transaction, so
    one failure does not hold back the others, and a learner's own submission
    racing with the sweep is counted once.
    """
    now = now or timezone.now()
    overdue = list(
        Attempt.objects.overdue(now)
        .order_by("deadline")
        .values_list("pk", flat=True)[:limit]
    )
    submitted = 0
    for pk in overdue:
        _attempt, changed = _submit(
            attempt=Attempt(pk=pk), user=None, reason=SubmitReason.TIMEOUT, now=now
        )
        submitted += changed
    return submitted
