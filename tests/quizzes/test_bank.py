"""The question bank: category paths, question checks, versions, protection."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from quizzes.models import Category, Question, QuestionKind
from quizzes.services import (
    attempt_start,
    category_ensure,
    category_rename,
    question_create,
    question_update,
)
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db


def test_category_paths_build_the_tree_once():
    chapter = category_ensure(path="禁毒法/第三章 戒毒措施")
    again = category_ensure(path=" 禁毒法 / 第三章 戒毒措施 ")
    assert again.pk == chapter.pk
    assert chapter.full_path == "禁毒法/第三章 戒毒措施"
    law = Category.objects.get(full_path="禁毒法")
    assert law.contains(chapter) and chapter.get_parent() == law
    assert Category.objects.count() == 2


def test_similar_names_are_different_categories_with_unrelated_tree_paths():
    law, regs = category_ensure(path="禁毒法"), category_ensure(path="禁毒法规")
    assert law.pk != regs.pk
    assert not law.contains(regs) and not regs.contains(law)


def test_a_slash_cannot_hide_in_a_name():
    law = category_ensure(path="禁毒法")
    with pytest.raises(ValidationError):
        category_rename(category=law, name="禁毒/法")


def test_renaming_rewrites_the_paths_below():
    category_ensure(path="禁毒法/第三章/第一节")
    law = Category.objects.get(full_path="禁毒法")
    category_rename(category=law, name="中华人民共和国禁毒法")
    assert sorted(Category.objects.values_list("full_path", flat=True)) == [
        "中华人民共和国禁毒法",
        "中华人民共和国禁毒法/第三章",
        "中华人民共和国禁毒法/第三章/第一节",
    ]


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (
            QuestionKind.SINGLE,
            {
                "options": [
                    {"text": "甲", "is_correct": True},
                    {"text": "乙", "is_correct": True},
                ]
            },
            "有且只有一个正确选项",
        ),
        (
            QuestionKind.SINGLE,
            {"options": [{"text": "甲", "is_correct": True}]},
            "至少需要两个选项",
        ),
        (
            QuestionKind.MULTIPLE,
            {"options": [{"text": "甲"}, {"text": "乙"}]},
            "至少需要一个正确选项",
        ),
        (QuestionKind.TRUE_FALSE, {}, "必须给出正确答案"),
        (QuestionKind.FILL_IN, {"blanks": [[" "]]}, "至少需要一个参考答案"),
    ],
)
def test_a_question_must_be_answerable_for_its_type(kind, fields, message):
    category = category_ensure(path="禁毒法")
    with pytest.raises(ValidationError) as refused:
        question_create(kind=kind, stem="题干", category=category, **fields)
    assert message in str(refused.value)
    assert not Question.objects.exists()


def test_every_edit_raises_the_version():
    question = QuestionFactory()
    assert question.version == 1
    question = question_update(question=question, explanation="新的解析")
    question = question_update(question=question, difficulty="hard")
    assert question.version == 3
    question.is_active = False
    question.save(update_fields=["is_active"])
    question.refresh_from_db()
    assert question.version == 4


def test_knowledge_points_are_kept_and_snapshotted(learner, now):
    question = QuestionFactory(knowledge_points=["社区戒毒", "戒毒措施"])
    assert set(question.knowledge_points.names()) == {"社区戒毒", "戒毒措施"}
    quiz = quiz_add_questions(ExamFactory(), [question])
    item = attempt_start(quiz=quiz, user=learner, now=now).items.get()
    assert item.snapshot["knowledge_points"] == ["戒毒措施", "社区戒毒"]


def test_a_question_someone_answered_cannot_be_deleted(learner, now):
    question = QuestionFactory(points=Decimal("2"))
    quiz = quiz_add_questions(ExamFactory(), [question])
    attempt_start(quiz=quiz, user=learner, now=now)
    quiz.quiz_questions.all().delete()
    with pytest.raises(ProtectedError):
        question.delete()
