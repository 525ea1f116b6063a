"""Redoing the wrong-answer book (重做错题): a practice attempt of chosen mistakes.

No quiz holds a learner's own mistakes, and the daily drill takes only the
questions due for review (a mistake made today is due tomorrow), so "redo these
now" gets its own practice attempt. Its questions are the learner's unmastered
mistakes the caller chose (the page decides which ones the review policy lets
the learner see again); every other rule is the practice mode's: each answer is
marked at once, shown with the explanation, and recorded in the book, so two
correct answers in a row take a question out of it.

The attempts hang on one unpublished system quiz, `REDO_QUIZ_SLUG`, made on first
use: unpublished, it appears in no list and cannot be started by its slug. As
for any quiz, a learner has at most one redo in progress; asking again resumes
it rather than drawing a second one.
"""

import secrets
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quizzes.errors import QuizError
from quizzes.models import (
    CHOICE_KINDS,
    OBJECTIVE_KINDS,
    Attempt,
    AttemptItem,
    PageLayout,
    Question,
    QuestionKnowledgePoint,
    Quiz,
    QuizMode,
    ReviewPolicy,
    WrongAnswer,
)
from quizzes.scoring import question_snapshot

REDO_QUIZ_SLUG = "wrong-answer-redo"
REDO_MAX_QUESTIONS = 20

_random = secrets.SystemRandom()


def redo_quiz_get() -> Quiz:
    """The system quiz every redo attempt belongs to (made on first use)."""
    quiz, _created = Quiz.objects.get_or_create(
        slug=REDO_QUIZ_SLUG,
        defaults={
            "title": gettext("错题重做"),
            "description": gettext("从错题本中选出的题目，每题作答后立即显示答案。"),
            "mode": QuizMode.PRACTICE,
            "review_policy": ReviewPolicy.IMMEDIATELY,
            "layout": PageLayout.ONE_PER_PAGE,
            "shuffle_options": True,
            "is_published": False,
        },
    )
    return quiz


def redo_in_progress(*, user: AbstractBaseUser) -> Attempt | None:
    """The learner's redo attempt still in progress, if any."""
    return (
        Attempt.objects.in_progress()
        .filter(user=user, quiz__slug=REDO_QUIZ_SLUG)
        .select_related("quiz")
        .first()
    )


def wrong_answer_redo_start(
    *,
    user: AbstractBaseUser,
    question_ids: Sequence[int],
    now: datetime | None = None,
) -> Attempt:
    """A practice attempt of the chosen questions from the learner's book.

    Resumes the redo in progress if there is one. Only questions still in the
    learner's book (unmastered), active and objective are taken, at most
    `REDO_MAX_QUESTIONS`, in the order given. Raises QuizError when none is left.
    """
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        raise QuizError(_("请先登录。"), code="login_required")
    quiz = redo_quiz_get()
    for _round in range(3):
        attempt = redo_in_progress(user=user)
        if attempt is not None:
            return attempt
        try:
            with transaction.atomic():
                return _redo_create(
                    quiz=quiz, user=user, question_ids=question_ids, now=now
                )
        except IntegrityError:
            continue  # another tab started the same redo: resume it
    raise QuizError(_("开始答题失败，请稍后重试。"), code="busy")


def _redo_create(
    *, quiz: Quiz, user: AbstractBaseUser, question_ids: Sequence[int], now: datetime
) -> Attempt:
    in_book = set(
        WrongAnswer.objects.unmastered()
        .filter(
            user=user,
            question_id__in=list(question_ids),
            question__is_active=True,
            question__kind__in=OBJECTIVE_KINDS,
        )
        .values_list("question_id", flat=True)
    )
    chosen = [pk for pk in dict.fromkeys(question_ids) if pk in in_book]
    chosen = chosen[:REDO_MAX_QUESTIONS]
    if not chosen:
        raise QuizError(_("错题本中没有可以重做的题目。"), code="no_questions")
    questions = Question.objects.select_related("category").prefetch_related(
        "options", "blank_answers"
    )
    by_id = questions.in_bulk(chosen)
    knowledge: dict[int, list[str]] = {}
    for qid, name in QuestionKnowledgePoint.objects.filter(
        content_object_id__in=chosen
    ).values_list("content_object_id", "tag__name"):
        knowledge.setdefault(qid, []).append(name)
    number = (
        Attempt.objects.filter(quiz=quiz, user=user).aggregate(n=Max("number"))["n"]
        or 0
    ) + 1
    items = []
    for position, pk in enumerate(chosen, start=1):
        question = by_id[pk]
        snapshot = question_snapshot(question, knowledge_points=knowledge.get(pk, []))
        order = [option["id"] for option in snapshot.get("options", [])]
        if quiz.shuffle_options and question.kind in CHOICE_KINDS:
            _random.shuffle(order)
        items.append(
            AttemptItem(
                position=position,
                question=question,
                category_id=question.category_id,
                kind=question.kind,
                points=question.points,
                snapshot=snapshot,
                option_order=order,
            )
        )
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=number,
        started_at=now,
        deadline=None,
        max_score=sum((item.points for item in items), Decimal("0")),
    )
    for item in items:
        item.attempt = attempt
    AttemptItem.objects.bulk_create(items)
    return attempt
