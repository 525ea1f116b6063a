"""A trainer manages categories, questions and quizzes in the Wagtail admin."""

from decimal import Decimal

import pytest
from django.test import Client

from quizzes.models import Category, Question, QuestionKind, Quiz, QuizMode
from quizzes.services import category_ensure
from tests.quizzes.admin_support import admin_trainer, form_data, formset_rows
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    quiz_add_questions,
)

pytestmark = pytest.mark.django_db

QUESTIONS = "/admin/quizzes/questions/"
CATEGORIES = "/admin/quizzes/categories/"
QUIZZES = "/admin/quizzes/quizzes/"


@pytest.fixture
def client_trainer(make_role_user):
    client = Client()
    client.force_login(admin_trainer(make_role_user))
    return client


# ---------------------------------------------------------------- categories


def test_trainer_creates_a_category_under_another_by_full_path(client_trainer):
    law = category_ensure(path="禁毒法")
    response = client_trainer.post(
        f"{CATEGORIES}new/", {"parent": law.pk, "name": "第三章", "description": ""}
    )
    assert response.status_code == 302
    chapter = Category.objects.get(full_path="禁毒法/第三章")
    assert chapter.get_parent() == law

    again = client_trainer.post(
        f"{CATEGORIES}new/", {"parent": law.pk, "name": "第三章"}
    )
    assert again.status_code == 200
    assert "分类“禁毒法/第三章”已存在。" in again.content.decode()
    assert Category.objects.filter(full_path="禁毒法/第三章").count() == 1


def test_renaming_a_category_rewrites_the_paths_below(client_trainer):
    section = category_ensure(path="禁毒法/第三章/第一节")
    chapter = section.get_parent()
    response = client_trainer.post(
        f"{CATEGORIES}edit/{chapter.pk}/", {"name": "第三章 戒毒措施"}
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.full_path == "禁毒法/第三章 戒毒措施/第一节"

    listing = client_trainer.get(CATEGORIES).content.decode()
    assert "禁毒法/第三章 戒毒措施/第一节" in listing


def test_a_category_name_with_a_slash_is_refused(client_trainer):
    response = client_trainer.post(f"{CATEGORIES}new/", {"name": "甲/乙"})
    assert response.status_code == 200
    assert "分类名称不能包含“/”。" in response.content.decode()
    assert not Category.objects.exists()


# ---------------------------------------------------------------- questions


def test_question_list_filters_by_kind_category_subtree_and_knowledge_point(
    client_trainer,
):
    law = category_ensure(path="禁毒法")
    chapter = category_ensure(path="禁毒法/第三章")
    other = category_ensure(path="禁毒法规")  # a name prefix, not a subcategory
    in_chapter = QuestionFactory(
        stem="<p>章内单选</p>", category=chapter, knowledge_points=["社区戒毒"]
    )
    QuestionFactory(kind=QuestionKind.TRUE_FALSE, stem="<p>根上判断</p>", category=law)
    QuestionFactory(stem="<p>法规单选</p>", category=other)

    def listed(query: str) -> set[str]:
        page = client_trainer.get(f"{QUESTIONS}?{query}").content.decode()
        return {word for word in ("章内单选", "根上判断", "法规单选") if word in page}

    assert listed("") == {"章内单选", "根上判断", "法规单选"}
    assert listed(f"category={law.pk}") == {"章内单选", "根上判断"}
    assert listed(f"category={chapter.pk}") == {"章内单选"}
    assert listed("kind=true_false") == {"根上判断"}
    point = in_chapter.knowledge_points.get().pk
    assert listed(f"knowledge_point={point}") == {"章内单选"}
    assert listed("q=法规") == {"法规单选"}


def test_question_list_shows_stems_as_text_never_html(client_trainer):
    QuestionFactory(
        stem='<p>戒毒<img src=x onerror="alert(1)"><script>x()</script></p>'
    )
    page = client_trainer.get(QUESTIONS).content.decode()
    assert "戒毒" in page
    assert "onerror" not in page and "<script>x()" not in page


def _new_question_data(client, **fields) -> dict:
    form = client.get(f"{QUESTIONS}new/").context["form"]
    data = form_data(form)
    data.update(
        {
            "kind": QuestionKind.SINGLE,
            "stem": "<p>《禁毒法》何时施行？</p>",
            "category": category_ensure(path="禁毒法").pk,
            "difficulty": "easy",
            "points": "2",
            "scoring": "all_or_nothing",
            "explanation": "2008年6月1日起施行。",
            "knowledge_points": "禁毒法, 法律常识",
            "is_active": "on",
        }
    )
    data.update(fields)
    return data


def test_trainer_writes_a_single_choice_question_with_options(client_trainer):
    data = _new_question_data(client_trainer)
    formset_rows(
        data,
        "options",
        [
            {"text": "2008年6月1日", "is_correct": True},
            {"text": "2011年6月26日"},
            {"text": "1990年12月28日"},
        ],
    )
    formset_rows(data, "blank_answers", [])
    response = client_trainer.post(f"{QUESTIONS}new/", data)
    assert response.status_code == 302, response.context["form"].errors
    question = Question.objects.get()
    assert [(o.text, o.is_correct) for o in question.options.all()] == [
        ("2008年6月1日", True),
        ("2011年6月26日", False),
        ("1990年12月28日", False),
    ]
    assert set(question.knowledge_points.names()) == {"禁毒法", "法律常识"}
    assert (question.points, question.version) == (Decimal("2.00"), 1)


def test_a_single_choice_with_two_right_options_is_refused_with_the_rule(
    client_trainer,
):
    data = _new_question_data(client_trainer)
    formset_rows(
        data,
        "options",
        [{"text": "甲", "is_correct": True}, {"text": "乙", "is_correct": True}],
    )
    formset_rows(data, "blank_answers", [])
    response = client_trainer.post(f"{QUESTIONS}new/", data)
    assert response.status_code == 200
    assert "单选题必须有且只有一个正确选项。" in response.content.decode()
    assert not Question.objects.exists()


def test_a_fill_in_question_needs_blanks_numbered_from_one(client_trainer):
    data = _new_question_data(client_trainer, kind=QuestionKind.FILL_IN)
    formset_rows(data, "options", [])
    formset_rows(data, "blank_answers", [{"blank": 2, "text": "社区康复"}])
    response = client_trainer.post(f"{QUESTIONS}new/", data)
    assert "填空题的空位须从1开始连续编号。" in response.content.decode()

    formset_rows(
        data,
        "blank_answers",
        [{"blank": 1, "text": "社区戒毒"}, {"blank": 1, "text": "社区戒毒措施"}],
    )
    response = client_trainer.post(f"{QUESTIONS}new/", data)
    assert response.status_code == 302
    question = Question.objects.get()
    assert [a.text for a in question.blank_answers.all()] == [
        "社区戒毒",
        "社区戒毒措施",
    ]


def test_editing_a_question_raises_its_version_and_keeps_option_ids(client_trainer):
    question = QuestionFactory(stem="<p>旧题干</p>")
    option_ids = [o.pk for o in question.options.all()]
    form = client_trainer.get(f"{QUESTIONS}edit/{question.pk}/").context["form"]
    data = form_data(form)
    data["stem"] = "<p>新题干</p>"
    response = client_trainer.post(f"{QUESTIONS}edit/{question.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    question.refresh_from_db()
    assert (question.stem, question.version) == ("<p>新题干</p>", 2)
    assert [o.pk for o in question.options.all()] == option_ids


# ---------------------------------------------------------------- quizzes


def _quiz_data(client, quiz: Quiz | None = None, **fields) -> dict:
    url = f"{QUIZZES}edit/{quiz.pk}/" if quiz else f"{QUIZZES}new/"
    data = form_data(client.get(url).context["form"])
    if quiz is None:
        data.update(
            {
                "title": "2025年综合业务考核",
                "slug": "exam-2025",
                "mode": QuizMode.EXAM,
                "review_policy": "after_submit",
                "grading": "highest",
                "layout": "one_per_page",
                "pass_mark": "60",
                "drill_size": "10",
            }
        )
        formset_rows(data, "quiz_questions", [])
        formset_rows(data, "rules", [])
    data.update(fields)
    return data


def test_publishing_an_exam_whose_blueprint_outruns_the_bank_is_refused(
    client_trainer,
):
    law = category_ensure(path="禁毒法")
    for _number in range(3):
        QuestionFactory(category=law)
    data = _quiz_data(client_trainer, is_published="on")
    formset_rows(
        data,
        "rules",
        [
            {"category": law.pk, "include_subcategories": True, "count": 2},
            {"category": law.pk, "include_subcategories": True, "count": 2},
        ],
    )
    response = client_trainer.post(f"{QUIZZES}new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "不能发布" in page and "第2条组卷规则" in page
    assert "只能保证1道" in page
    assert not Quiz.objects.exists()

    # One rule of 3 fits the bank: published.
    formset_rows(
        data,
        "rules",
        [{"category": law.pk, "include_subcategories": True, "count": 3}],
    )
    response = client_trainer.post(f"{QUIZZES}new/", data)
    assert response.status_code == 302
    quiz = Quiz.objects.get()
    assert quiz.is_published and quiz.rules.get().count == 3


def test_a_rule_asking_more_than_the_bank_is_refused_even_in_a_draft(
    client_trainer,
):
    law = category_ensure(path="禁毒法")
    QuestionFactory(category=law)
    data = _quiz_data(client_trainer)
    formset_rows(
        data, "rules", [{"category": law.pk, "include_subcategories": True, "count": 5}]
    )
    response = client_trainer.post(f"{QUIZZES}new/", data)
    assert response.status_code == 200
    assert "题库中只有1道符合条件的启用题目" in response.content.decode()
    assert not Quiz.objects.exists()


def test_publishing_an_existing_quiz_checks_it_and_an_empty_one_is_refused(
    client_trainer,
):
    quiz = ExamFactory(is_published=False, slug="empty-exam")
    data = _quiz_data(client_trainer, quiz, is_published="on")
    response = client_trainer.post(f"{QUIZZES}edit/{quiz.pk}/", data)
    assert response.status_code == 200
    assert "测验还没有题目" in response.content.decode()
    quiz.refresh_from_db()
    assert not quiz.is_published


def test_trainer_adds_fixed_questions_and_sees_the_learner_url(client_trainer):
    first, second = QuestionFactory(), QuestionFactory()
    data = _quiz_data(client_trainer, is_published="on")
    formset_rows(
        data,
        "quiz_questions",
        [{"question": first.pk, "points": "5"}, {"question": second.pk}],
    )
    response = client_trainer.post(f"{QUIZZES}new/", data)
    assert response.status_code == 302
    quiz = Quiz.objects.get()
    assert [(link.question, link.points) for link in quiz.fixed_in_order()] == [
        (first, Decimal("5.00")),
        (second, None),
    ]
    listing = client_trainer.get(QUIZZES).content.decode()
    assert "/quizzes/exam-2025/" in listing


def test_a_retired_fixed_question_blocks_publishing(client_trainer):
    retired = QuestionFactory(is_active=False)
    quiz = quiz_add_questions(ExamFactory(is_published=False), [retired])
    data = _quiz_data(client_trainer, quiz, is_published="on")
    response = client_trainer.post(f"{QUIZZES}edit/{quiz.pk}/", data)
    assert response.status_code == 200
    assert "已停用" in response.content.decode()


def test_question_chooser_lists_active_stems_as_text(client_trainer):
    QuestionFactory(stem="<p>可选<b>题目</b></p>")
    QuestionFactory(stem="<p>停用题目</p>", is_active=False)
    response = client_trainer.get("/admin/quizzes/question-chooser/")
    assert response.status_code == 200
    html = response.json()["html"]
    assert "可选题目" in html
    assert "停用题目" not in html and "<b>题目</b>" not in html
