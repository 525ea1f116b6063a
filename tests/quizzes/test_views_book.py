"""The quiz list, the wrong-answer book and redoing it, the daily drill, progress."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.errors import QuizError
from quizzes.models import Attempt, AttemptStatus, QuizMode, WrongAnswer
from quizzes.services import answer_save, attempt_start, attempt_submit
from quizzes.services.redo import REDO_QUIZ_SLUG, wrong_answer_redo_start
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    QuizFactory,
    category,
    quiz_add_questions,
)

pytestmark = pytest.mark.django_db


def _right(item):
    return {"option": next(o["id"] for o in item.snapshot["options"] if o["correct"])}


def _wrong(item):
    return {
        "option": next(o["id"] for o in item.snapshot["options"] if not o["correct"])
    }


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def _answer(client, attempt, position, response):
    return client.post(
        reverse("quizzes:answer", args=[attempt.token]),
        data=json.dumps({"position": position, "response": response}),
        content_type="application/json",
    ).json()


@pytest.fixture
def practice():
    law = category("禁毒法/第三章")
    questions = [
        QuestionFactory(stem="<p>吸毒成瘾人员应当进行什么？</p>", category=law),
        QuestionFactory(
            stem="<p>社区戒毒的期限是几年？</p>",
            category=category("社区戒毒"),
            explanation="社区戒毒的期限为三年。",
        ),
    ]
    return quiz_add_questions(
        QuizFactory(title="禁毒法应知应会", slug="law-practice"), questions
    )


def test_index_groups_quizzes_by_mode_with_exam_windows(signed_in):
    now = timezone.now()
    QuizFactory(title="应知应会一")
    ExamFactory(title="下周的考试", opens_at=now + timedelta(days=7))
    ExamFactory(title="进行中的考试", closes_at=now + timedelta(hours=2))
    ExamFactory(
        title="去年的考试",
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=365),
    )
    QuizFactory(title="草稿测验", is_published=False)
    html = signed_in.get(reverse("quizzes:index")).content.decode()
    assert "应知应会练习" in html and "考试" in html
    assert html.index("应知应会一") < html.index("下周的考试")
    assert "尚未开始" in html
    assert "进行中" in html and "截止" in html
    assert "已于" in html and "结束" in html
    assert "草稿测验" not in html
    assert reverse("quizzes:wrong_answers") in html
    assert reverse("quizzes:progress") in html


def test_wrong_practice_answer_appears_in_the_book_with_key_and_explanation(
    signed_in, practice
):
    signed_in.post(reverse("quizzes:start", args=[practice.slug]))
    attempt = Attempt.objects.get(quiz=practice)
    wrong_item = attempt.items.get(position=2)
    _answer(signed_in, attempt, 1, _right(attempt.items.get(position=1)))
    _answer(signed_in, attempt, 2, _wrong(wrong_item))

    page = signed_in.get(reverse("quizzes:wrong_answers"))
    html = page.content.decode()
    assert "社区戒毒的期限是几年？" in html
    assert "吸毒成瘾人员应当进行什么？" not in html  # answered right
    assert "社区戒毒的期限为三年。" in html
    assert "我的选择" in html and "正确答案" in html
    [group] = page.context["groups"]
    assert group["category"].full_path == "社区戒毒"
    assert len(group["rows"]) == 1


def test_redo_starts_a_practice_of_the_mistakes_and_mastery_empties_the_book(
    signed_in, practice, learner
):
    attempt = attempt_start(quiz=practice, user=learner)
    item = attempt.items.get(position=2)
    answer_save(attempt=attempt, user=learner, position=2, response=_wrong(item))
    attempt_submit(attempt=attempt, user=learner)
    question_id = item.question_id

    for _round in range(2):  # two correct answers in a row master it
        response = signed_in.post(reverse("quizzes:wrong_answers_redo"))
        redo = Attempt.objects.get(
            quiz__slug=REDO_QUIZ_SLUG, status=AttemptStatus.IN_PROGRESS
        )
        assert response.url == reverse("quizzes:attempt", args=[redo.token])
        [redo_item] = redo.items.all()
        assert redo_item.question_id == question_id
        result = _answer(signed_in, redo, 1, _right(redo_item))
        assert result["feedback"]["is_correct"] is True
        signed_in.post(reverse("quizzes:submit", args=[redo.token]))

    entry = WrongAnswer.objects.get(user=learner, question_id=question_id)
    assert entry.is_mastered
    html = signed_in.get(reverse("quizzes:wrong_answers")).content.decode()
    assert "社区戒毒的期限是几年？" not in html
    assert "错题本是空的" in html


def test_redo_resumes_the_one_in_progress(learner, practice):
    attempt = attempt_start(quiz=practice, user=learner)
    item = attempt.items.get(position=1)
    answer_save(attempt=attempt, user=learner, position=1, response=_wrong(item))
    first = wrong_answer_redo_start(user=learner, question_ids=[item.question_id])
    second = wrong_answer_redo_start(user=learner, question_ids=[item.question_id])
    assert first.pk == second.pk
    assert first.quiz.mode == QuizMode.PRACTICE
    assert not first.quiz.is_published


def test_redo_takes_only_questions_in_my_book(learner, other_learner, practice):
    attempt = attempt_start(quiz=practice, user=other_learner)
    item = attempt.items.get(position=1)
    answer_save(attempt=attempt, user=other_learner, position=1, response=_wrong(item))
    with pytest.raises(QuizError) as refused:
        wrong_answer_redo_start(user=learner, question_ids=[item.question_id])
    assert refused.value.code == "no_questions"


def test_exam_mistakes_stay_out_of_the_book_until_the_exam_closes(signed_in, learner):
    now = timezone.now()
    exam = quiz_add_questions(
        ExamFactory(
            slug="closing",
            review_policy="after_close",
            closes_at=now + timedelta(hours=1),
        ),
        [QuestionFactory(stem="<p>考试中的题目</p>", explanation="考试题的解析")],
    )
    attempt = attempt_start(quiz=exam, user=learner)
    item = attempt.items.get()
    answer_save(attempt=attempt, user=learner, position=1, response=_wrong(item))
    attempt_submit(attempt=attempt, user=learner)

    page = signed_in.get(reverse("quizzes:wrong_answers"))
    html = page.content.decode()
    assert "考试中的题目" not in html and "考试题的解析" not in html
    assert "另有 1 道错题来自尚未结束的考试" in html
    # Nor can a redo reveal it through practice feedback.
    response = signed_in.post(reverse("quizzes:wrong_answers_redo"), follow=True)
    assert "错题本中没有可以重做的题目" in response.content.decode()

    exam.closes_at = now - timedelta(minutes=1)
    exam.save()
    html = signed_in.get(reverse("quizzes:wrong_answers")).content.decode()
    assert "考试中的题目" in html and "考试题的解析" in html


def test_daily_drill_start_and_continue_today(signed_in, learner):
    QuestionFactory.create_batch(3)
    drill = QuizFactory(
        title="每日一练", slug="daily", mode=QuizMode.DRILL, drill_size=3
    )
    page = signed_in.get(reverse("quizzes:drill"))
    assert "开始今天的练习" in page.content.decode()
    response = signed_in.post(reverse("quizzes:start", args=[drill.slug]))
    attempt = Attempt.objects.get(quiz=drill)
    assert response.url == reverse("quizzes:attempt", args=[attempt.token])
    assert attempt.items.count() == 3
    page = signed_in.get(reverse("quizzes:drill"))
    assert "继续今天的练习" in page.content.decode()


def test_drill_page_without_a_drill(signed_in):
    html = signed_in.get(reverse("quizzes:drill")).content.decode()
    assert "每日一练尚未开放" in html


def test_progress_shows_each_category_with_a_bar(signed_in, practice, learner):
    attempt = attempt_start(quiz=practice, user=learner)
    for item in attempt.items.all():
        answer = _right(item) if item.position == 1 else _wrong(item)
        answer_save(
            attempt=attempt, user=learner, position=item.position, response=answer
        )
    attempt_submit(attempt=attempt, user=learner)
    page = signed_in.get(reverse("quizzes:progress"))
    html = page.content.decode()
    names = [row["category"].name for row in page.context["rows"]]
    assert names == ["禁毒法", "第三章", "社区戒毒"]
    assert "得分率 100%" in html and "得分率 0%" in html
    assert 'style="width: 100%"' in html


def test_progress_is_empty_before_any_attempt(signed_in):
    html = signed_in.get(reverse("quizzes:progress")).content.decode()
    assert "还没有学习记录" in html
