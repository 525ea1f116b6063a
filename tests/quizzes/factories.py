"""Factories for the question bank and quizzes.

Questions go through `question_create`, so every test question passes the same
checks as an imported or authored one.
"""

from decimal import Decimal

import factory

from quizzes.models import (
    Category,
    Difficulty,
    Question,
    QuestionKind,
    Quiz,
    QuizMode,
    QuizQuestion,
    QuizRule,
    ReviewPolicy,
)
from quizzes.services import category_ensure, question_create


def category(path: str = "禁毒法") -> Category:
    return category_ensure(path=path)


def _default_options(kind: str) -> list[dict]:
    if kind == QuestionKind.SINGLE:
        return [
            {"text": "正确选项", "is_correct": True},
            {"text": "干扰项一", "is_correct": False},
            {"text": "干扰项二", "is_correct": False},
            {"text": "干扰项三", "is_correct": False},
        ]
    if kind == QuestionKind.MULTIPLE:
        return [
            {"text": "正确一", "is_correct": True},
            {"text": "正确二", "is_correct": True},
            {"text": "正确三", "is_correct": True},
            {"text": "错误一", "is_correct": False},
        ]
    return []


class QuestionFactory(factory.Factory):
    class Meta:
        model = Question

    kind = QuestionKind.SINGLE
    stem = factory.Sequence(lambda n: f"<p>第{n}题：下列说法正确的是？</p>")
    category = factory.LazyFunction(category)
    difficulty = Difficulty.MEDIUM
    points = Decimal("1")
    explanation = "依据《中华人民共和国禁毒法》。"
    options = factory.LazyAttribute(lambda o: _default_options(o.kind))
    blanks = factory.LazyAttribute(
        lambda o: [["禁毒法", "《禁毒法》"]] if o.kind == QuestionKind.FILL_IN else []
    )
    true_answer = factory.LazyAttribute(
        lambda o: True if o.kind == QuestionKind.TRUE_FALSE else None
    )

    @classmethod
    def _create(cls, model_class, **kwargs):
        return question_create(**kwargs)


class QuizFactory(factory.django.DjangoModelFactory):
    """A published practice quiz; ExamFactory for an exam."""

    class Meta:
        model = Quiz

    title = factory.Sequence(lambda n: f"应知应会测试{n}")
    slug = factory.Sequence(lambda n: f"quiz-{n}")
    mode = QuizMode.PRACTICE
    review_policy = ReviewPolicy.IMMEDIATELY
    is_published = True


class ExamFactory(QuizFactory):
    title = factory.Sequence(lambda n: f"综合业务考核{n}")
    mode = QuizMode.EXAM
    review_policy = ReviewPolicy.AFTER_SUBMIT


def quiz_add_questions(
    quiz: Quiz, questions: list[Question], points: Decimal | None = None
) -> Quiz:
    for order, question in enumerate(questions):
        QuizQuestion.objects.create(
            quiz=quiz, question=question, sort_order=order, points=points
        )
    return quiz


def quiz_add_rule(quiz: Quiz, **fields) -> QuizRule:
    fields.setdefault("sort_order", quiz.rules.count())
    return QuizRule.objects.create(quiz=quiz, **fields)
