"""组卷: blueprint rules draw the right questions, spread them, are checked early."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from quizzes.errors import QuizError
from quizzes.models import Difficulty, QuestionKind, QuestionUsage, QuizMode
from quizzes.services import (
    attempt_start,
    attempt_submit,
    question_update,
    quiz_publish,
    quiz_validate,
)
from tests.factories import UserFactory
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    QuizFactory,
    category,
    quiz_add_questions,
    quiz_add_rule,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    """禁毒法 with two chapters, 戒毒条例 beside it."""
    law = category("禁毒法")
    ch3 = category("禁毒法/第三章")
    ch4 = category("禁毒法/第四章")
    regs = category("戒毒条例")
    QuestionFactory.create_batch(4, category=law, difficulty=Difficulty.MEDIUM)
    QuestionFactory.create_batch(6, category=ch3, difficulty=Difficulty.MEDIUM)
    QuestionFactory.create_batch(3, category=ch4, difficulty=Difficulty.HARD)
    QuestionFactory.create_batch(
        5, category=ch4, kind=QuestionKind.TRUE_FALSE, difficulty=Difficulty.MEDIUM
    )
    QuestionFactory.create_batch(8, category=regs, difficulty=Difficulty.MEDIUM)
    QuestionFactory(category=regs, kind=QuestionKind.ESSAY, points=Decimal("10"))
    return {"law": law, "ch3": ch3, "ch4": ch4, "regs": regs}


def test_rules_draw_the_asked_counts_from_the_right_categories_and_difficulties(
    bank, learner, now
):
    quiz = ExamFactory()
    quiz_add_rule(
        quiz,
        category=bank["law"],
        kind=QuestionKind.SINGLE,
        difficulty=Difficulty.MEDIUM,
        count=8,
        points_each=Decimal("2"),
    )
    quiz_add_rule(quiz, category=bank["ch4"], kind=QuestionKind.TRUE_FALSE, count=5)
    quiz_add_rule(quiz, category=bank["regs"], kind=QuestionKind.ESSAY, count=1)
    quiz_validate(quiz=quiz)

    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    items = list(attempt.items.select_related("question__category"))
    by_kind = Counter(item.kind for item in items)
    assert by_kind == {"single": 8, "true_false": 5, "essay": 1}
    singles = [item for item in items if item.kind == QuestionKind.SINGLE]
    # 禁毒法 and its chapters (subtree), medium only: never 戒毒条例, never hard.
    assert {i.question.category.full_path for i in singles} <= {
        "禁毒法",
        "禁毒法/第三章",
    }
    assert all(i.question.difficulty == Difficulty.MEDIUM for i in singles)
    assert all(i.points == Decimal("2") for i in singles)
    assert attempt.max_score == Decimal("8") * 2 + 5 + 10
    assert len({item.question_id for item in items}) == len(items) == 14


def test_a_rule_without_subcategories_stays_in_its_own_category(bank, learner, now):
    quiz = ExamFactory()
    quiz_add_rule(quiz, category=bank["law"], include_subcategories=False, count=4)
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    assert set(attempt.items.values_list("category__full_path", flat=True)) == {
        "禁毒法"
    }


def test_fixed_questions_come_first_and_are_not_drawn_again(bank, learner, now):
    fixed = list(bank["regs"].questions.filter(kind=QuestionKind.SINGLE)[:2])
    quiz = quiz_add_questions(ExamFactory(), fixed)
    quiz_add_rule(quiz, category=bank["regs"], kind=QuestionKind.SINGLE, count=6)
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    drawn = list(
        attempt.items.order_by("position").values_list("question_id", flat=True)
    )
    assert drawn[:2] == [q.pk for q in fixed]
    assert len(set(drawn)) == 8


def test_least_used_questions_are_drawn_first_so_neighbours_get_different_papers(
    bank, now
):
    quiz = ExamFactory()
    quiz_add_rule(quiz, category=bank["regs"], kind=QuestionKind.SINGLE, count=4)
    papers = []
    for _n in range(4):
        attempt = attempt_start(quiz=quiz, user=UserFactory(), now=now)
        papers.append(set(attempt.items.values_list("question_id", flat=True)))
    # Eight questions, four per paper: the first two papers share none, and
    # after four papers every question has been used exactly twice.
    assert papers[0].isdisjoint(papers[1])
    assert papers[2].isdisjoint(papers[3])
    usage = QuestionUsage.objects.filter(quiz=quiz)
    assert sorted(usage.values_list("times_drawn", flat=True)) == [2] * 8


def test_shuffled_quizzes_give_different_orders(bank, now):
    fixed = list(bank["regs"].questions.filter(kind=QuestionKind.SINGLE))
    quiz = quiz_add_questions(
        ExamFactory(shuffle_questions=True, shuffle_options=True), fixed
    )
    orders, option_orders = set(), set()
    for _n in range(6):
        attempt = attempt_start(quiz=quiz, user=UserFactory(), now=now)
        items = list(attempt.items.order_by("position"))
        orders.add(tuple(i.question_id for i in items))
        option_orders.add(tuple(items[0].option_order))
        assert sorted(items[0].option_order) == sorted(
            o["id"] for o in items[0].snapshot["options"]
        )
    assert len(orders) > 1 and len(option_orders) > 1


def test_a_blueprint_asking_more_than_the_bank_holds_is_refused_at_validation(bank):
    quiz = ExamFactory(is_published=False)
    quiz_add_rule(quiz, category=bank["ch4"], difficulty=Difficulty.HARD, count=4)
    with pytest.raises(ValidationError) as refused:
        quiz_validate(quiz=quiz)
    message = refused.value.messages[0]
    assert "第1条组卷规则" in message
    assert "禁毒法/第四章" in message and "困难" in message
    assert "要抽4道题" in message and "只有3道" in message
    with pytest.raises(ValidationError):
        quiz_publish(quiz=quiz)
    quiz.refresh_from_db()
    assert quiz.is_published is False


def test_the_rule_itself_is_refused_when_saved_through_a_form(bank):
    quiz = ExamFactory()
    rule = quiz_add_rule(
        quiz, category=bank["ch4"], difficulty=Difficulty.HARD, count=4
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "只有3道" in refused.value.message_dict["count"][0]


def test_overlapping_rules_are_checked_together(bank):
    """Rule 1 may take all six 第三章 singles, leaving rule 2 short."""
    quiz = ExamFactory()
    quiz_add_rule(quiz, category=bank["law"], kind=QuestionKind.SINGLE, count=10)
    quiz_add_rule(quiz, category=bank["ch3"], count=3)
    with pytest.raises(ValidationError) as refused:
        quiz_validate(quiz=quiz)
    assert "第2条组卷规则" in refused.value.messages[0]
    assert "前面规则可能抽走" in refused.value.messages[0]


def test_inactive_questions_do_not_count_and_are_not_drawn(bank, learner, now):
    hard = list(bank["ch4"].questions.filter(difficulty=Difficulty.HARD))
    question_update(question=hard[0], is_active=False)
    quiz = ExamFactory()
    quiz_add_rule(quiz, category=bank["ch4"], difficulty=Difficulty.HARD, count=3)
    with pytest.raises(ValidationError):
        quiz_validate(quiz=quiz)
    quiz.rules.update(count=2)
    quiz_validate(quiz=quiz)
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    assert hard[0].pk not in set(attempt.items.values_list("question_id", flat=True))


def test_a_bank_that_shrank_after_publishing_is_refused_at_start_not_half_drawn(
    bank, learner, now
):
    quiz = ExamFactory()
    quiz_add_rule(quiz, category=bank["ch4"], difficulty=Difficulty.HARD, count=3)
    quiz_validate(quiz=quiz)
    question_update(
        question=bank["ch4"].questions.filter(difficulty="hard").first(),
        is_active=False,
    )
    with pytest.raises(QuizError) as refused:
        attempt_start(quiz=quiz, user=learner, now=now)
    assert refused.value.code == "bank_too_small"
    assert not quiz.attempts.exists()


def test_a_quiz_needs_questions_and_a_drill_needs_none(bank):
    with pytest.raises(ValidationError) as refused:
        quiz_validate(quiz=ExamFactory())
    assert "还没有题目" in refused.value.messages[0]
    drill = QuizFactory(mode=QuizMode.DRILL)
    quiz_validate(quiz=drill)
    quiz_add_rule(drill, category=bank["law"], count=1)
    with pytest.raises(ValidationError):
        quiz_validate(quiz=drill)


def test_quiz_settings_that_contradict_each_other_are_refused(now):
    from datetime import timedelta

    from quizzes.models import ReviewPolicy

    exam = ExamFactory.build(
        slug="exam-x", opens_at=now, closes_at=now - timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as refused:
        exam.full_clean()
    assert "结束时间必须晚于开始时间" in str(refused.value)
    practice = QuizFactory.build(slug="p-x", review_policy=ReviewPolicy.AFTER_SUBMIT)
    with pytest.raises(ValidationError):
        practice.full_clean()
    no_close = ExamFactory.build(slug="e-y", review_policy=ReviewPolicy.AFTER_CLOSE)
    with pytest.raises(ValidationError) as refused:
        no_close.full_clean()
    assert "须设置结束时间" in str(refused.value)


def test_a_quiz_code_cannot_take_a_learner_page_address():
    """/quizzes/drill/ is the daily drill: a quiz coded "drill" would be unreachable."""
    for reserved in ("drill", "progress", "wrong-answers", "attempt"):
        with pytest.raises(ValidationError) as refused:
            QuizFactory.build(slug=reserved).full_clean()
        assert "系统保留" in str(refused.value.message_dict["slug"])


def test_submitting_a_blueprint_attempt_scores_it(bank, learner, now):
    quiz = ExamFactory()
    quiz_add_rule(quiz, category=bank["ch4"], kind=QuestionKind.TRUE_FALSE, count=5)
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    attempt = attempt_submit(attempt=attempt, user=learner, now=now)
    assert (attempt.score, attempt.max_score) == (Decimal("0.00"), Decimal("5.00"))
