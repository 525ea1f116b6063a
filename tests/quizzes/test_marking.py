"""Marking essays, re-marking with an audit trail, and grading several attempts."""

from datetime import timedelta
from decimal import Decimal

import pytest

from quizzes.errors import QuizError
from quizzes.models import (
    AttemptStatus,
    CategoryProgress,
    Grading,
    QuestionKind,
    ReMark,
)
from quizzes.selectors import quiz_grade_for
from quizzes.services import (
    answer_save,
    attempt_start,
    attempt_submit,
    item_mark,
    item_remark,
    progress_rebuild,
)
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db


def _right(item):
    return {"option": next(o["id"] for o in item.snapshot["options"] if o["correct"])}


@pytest.fixture
def essay_attempt(learner, now):
    """Submitted: a right single choice (2 points) and an essay (8 points)."""
    quiz = quiz_add_questions(
        ExamFactory(pass_mark=Decimal("60")),
        [
            QuestionFactory(points=Decimal("2")),
            QuestionFactory(kind=QuestionKind.ESSAY, points=Decimal("8")),
        ],
    )
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    answer_save(
        attempt=attempt,
        user=learner,
        position=1,
        response=_right(attempt.items.get(position=1)),
        now=now,
    )
    answer_save(
        attempt=attempt,
        user=learner,
        position=2,
        response={"text": "社区戒毒期限为三年。"},
        now=now,
    )
    return attempt_submit(attempt=attempt, user=learner, now=now)


def test_essay_goes_from_needs_marking_to_marked(essay_attempt, trainer, now):
    assert essay_attempt.status == AttemptStatus.NEEDS_MARKING
    assert essay_attempt.score == Decimal("2.00") and essay_attempt.passed is None
    essay = essay_attempt.items.get(position=2)
    item_mark(item=essay, score="5.5", marker=trainer, comment="要点基本齐全", now=now)
    essay_attempt.refresh_from_db()
    essay.refresh_from_db()
    assert essay_attempt.status == AttemptStatus.MARKED
    assert essay_attempt.score == Decimal("7.50")
    assert essay_attempt.percent == Decimal("75.00") and essay_attempt.passed is True
    assert (essay.marker, essay.marker_comment, essay.is_correct) == (
        trainer,
        "要点基本齐全",
        False,
    )
    progress = CategoryProgress.objects.get(user=essay_attempt.user)
    assert (progress.items, progress.score, progress.max_score) == (
        2,
        Decimal("7.50"),
        Decimal("10.00"),
    )


def test_marking_refuses_bad_scores_own_attempts_and_second_marks(
    essay_attempt, trainer, learner
):
    essay = essay_attempt.items.get(position=2)
    with pytest.raises(QuizError) as refused:
        item_mark(item=essay, score=9, marker=trainer)
    assert "0到8.00之间" in refused.value.messages[0]
    with pytest.raises(QuizError) as refused:
        item_mark(item=essay, score=8, marker=learner)
    assert refused.value.code == "own_attempt"
    item_mark(item=essay, score=8, marker=trainer)
    with pytest.raises(QuizError) as refused:
        item_mark(item=essay, score=1, marker=trainer)
    assert refused.value.code == "already_marked"
    essay.refresh_from_db()
    assert essay.score == Decimal("8.00")


def test_an_attempt_in_progress_cannot_be_marked(learner, trainer, now):
    quiz = quiz_add_questions(ExamFactory(), [QuestionFactory(kind=QuestionKind.ESSAY)])
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    with pytest.raises(QuizError) as refused:
        item_mark(item=attempt.items.get(), score=1, marker=trainer)
    assert refused.value.code == "in_progress"


def test_remark_writes_an_audit_row_and_changes_the_score(essay_attempt, trainer, now):
    essay = essay_attempt.items.get(position=2)
    item_mark(item=essay, score=3, marker=trainer, now=now)
    essay_attempt.refresh_from_db()
    assert essay_attempt.passed is False  # 5 of 10

    with pytest.raises(QuizError) as refused:
        item_remark(item=essay, score=6, marker=trainer, reason="  ")
    assert refused.value.code == "reason_required"

    later = now + timedelta(days=1)
    remark = item_remark(
        item=essay, score=6, marker=trainer, reason="复核：第二要点应给分", now=later
    )
    assert (remark.old_score, remark.new_score, remark.marked_by) == (
        Decimal("3.00"),
        Decimal("6.00"),
        trainer,
    )
    assert ReMark.objects.filter(item=essay).count() == 1
    essay_attempt.refresh_from_db()
    assert essay_attempt.score == Decimal("8.00") and essay_attempt.passed is True
    progress = CategoryProgress.objects.get(user=essay_attempt.user)
    assert progress.score == Decimal("8.00")


def test_an_objective_item_can_be_remarked_when_the_key_was_wrong(
    essay_attempt, trainer
):
    single = essay_attempt.items.get(position=1)
    item_remark(item=single, score=0, marker=trainer, reason="该题答案有误，作废")
    single.refresh_from_db()
    assert (single.score, single.is_correct) == (Decimal("0.00"), False)
    progress = CategoryProgress.objects.get(user=essay_attempt.user)
    assert (progress.correct, progress.score) == (0, Decimal("0.00"))


def test_an_unmarked_essay_must_be_marked_before_it_is_remarked(essay_attempt, trainer):
    with pytest.raises(QuizError) as refused:
        item_remark(
            item=essay_attempt.items.get(position=2),
            score=1,
            marker=trainer,
            reason="x",
        )
    assert refused.value.code == "not_marked"


def test_progress_after_marks_and_remarks_equals_a_rebuild(essay_attempt, trainer):
    item_mark(item=essay_attempt.items.get(position=2), score=4, marker=trainer)
    item_remark(
        item=essay_attempt.items.get(position=2), score=7, marker=trainer, reason="复核"
    )
    item_remark(
        item=essay_attempt.items.get(position=1), score=1, marker=trainer, reason="复核"
    )
    fields = ("category_id", "items", "answered", "correct", "score", "max_score")
    before = sorted(CategoryProgress.objects.values_list(*fields))
    progress_rebuild(user=essay_attempt.user)
    assert sorted(CategoryProgress.objects.values_list(*fields)) == before


# ------------------------------------------------------------------ grading


def _sit(quiz, learner, now, right: int):
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    for item in attempt.items.order_by("position")[:right]:
        answer_save(
            attempt=attempt,
            user=learner,
            position=item.position,
            response=_right(item),
            now=now,
        )
    return attempt_submit(attempt=attempt, user=learner, now=now)


@pytest.mark.parametrize(
    ("grading", "expected"), [(Grading.HIGHEST, "75.00"), (Grading.LAST, "25.00")]
)
def test_grading_highest_or_last(learner, now, grading, expected):
    quiz = quiz_add_questions(
        ExamFactory(grading=grading), QuestionFactory.create_batch(4)
    )
    for minutes, right in [(0, 2), (10, 3), (20, 1)]:
        _sit(quiz, learner, now + timedelta(minutes=minutes), right)
    grade = quiz_grade_for(quiz=quiz, user=learner)
    assert grade.percent == Decimal(expected)
    assert grade.pending is False
    assert grade.passed is (expected == "75.00")


def test_grade_is_pending_while_an_attempt_waits_for_marking(learner, trainer, now):
    quiz = quiz_add_questions(
        ExamFactory(grading=Grading.LAST),
        [QuestionFactory(), QuestionFactory(kind=QuestionKind.ESSAY)],
    )
    _sit(quiz, learner, now, right=1)
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    answer_save(
        attempt=attempt, user=learner, position=2, response={"text": "答"}, now=now
    )
    attempt_submit(attempt=attempt, user=learner, now=now)
    grade = quiz_grade_for(quiz=quiz, user=learner)
    assert grade.pending is True and grade.percent is None
    item_mark(item=attempt.items.get(position=2), score=1, marker=trainer)
    grade = quiz_grade_for(quiz=quiz, user=learner)
    assert grade.pending is False and grade.attempt.pk == attempt.pk
    assert grade.percent == Decimal("50.00")


def test_no_grade_without_a_finished_attempt(learner, now):
    quiz = quiz_add_questions(ExamFactory(), [QuestionFactory()])
    assert quiz_grade_for(quiz=quiz, user=learner) is None
    attempt_start(quiz=quiz, user=learner, now=now)
    assert quiz_grade_for(quiz=quiz, user=learner) is None
