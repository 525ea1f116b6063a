"""Taking an attempt through the pages: start, save (JSON and form), submit, result."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.models import (
    Attempt,
    AttemptStatus,
    CategoryProgress,
    PageLayout,
    QuestionKind,
    SubmitReason,
)
from quizzes.services import answer_save, attempt_start, attempt_submit
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    QuizFactory,
    quiz_add_questions,
)

pytestmark = pytest.mark.django_db


def _right(item):
    return {"option": next(o["id"] for o in item.snapshot["options"] if o["correct"])}


def _wrong(item):
    return {
        "option": next(o["id"] for o in item.snapshot["options"] if not o["correct"])
    }


def _post_json(client, attempt, body):
    return client.post(
        reverse("quizzes:answer", args=[attempt.token]),
        data=json.dumps(body),
        content_type="application/json",
    )


@pytest.fixture
def exam():
    """Open now, 30 minutes, three single-choice questions, key after submit."""
    quiz = ExamFactory(
        title="综合业务考核",
        slug="exam-1",
        time_limit=30,
        max_attempts=2,
        closes_at=timezone.now() + timedelta(days=1),
    )
    return quiz_add_questions(quiz, QuestionFactory.create_batch(3))


@pytest.fixture
def practice():
    quiz = QuizFactory(title="禁毒法应知应会", slug="practice-1")
    return quiz_add_questions(quiz, QuestionFactory.create_batch(2))


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def _start(client, quiz) -> Attempt:
    response = client.post(reverse("quizzes:start", args=[quiz.slug]))
    assert response.status_code == 302
    attempt = Attempt.objects.get(quiz=quiz, status=AttemptStatus.IN_PROGRESS)
    assert response.url == reverse("quizzes:attempt", args=[attempt.token])
    return attempt


# ------------------------------------------------------------ start and resume


def test_start_then_start_again_resumes_the_same_attempt(signed_in, exam):
    first = _start(signed_in, exam)
    second = _start(signed_in, exam)
    assert first.pk == second.pk
    assert Attempt.objects.filter(quiz=exam).count() == 1

    page = signed_in.get(reverse("quizzes:detail", args=[exam.slug]))
    assert "继续作答" in page.content.decode()


def test_attempt_page_shows_the_first_question_and_the_server_clock(signed_in, exam):
    attempt = _start(signed_in, exam)
    response = signed_in.get(reverse("quizzes:attempt", args=[attempt.token]))
    html = response.content.decode()
    assert response.status_code == 200
    item = attempt.items.get(position=1)
    assert item.snapshot["stem"] in html
    assert 'name="option"' in html and "<fieldset" in html and "<legend>" in html
    # 30 minutes on the clock, counted by the server, not reset by a reload.
    assert response.context["remaining"] <= 30 * 60
    assert response.context["remaining"] > 29 * 60
    assert "剩余时间" in html
    # One question per page, with the navigator for all three.
    assert html.count("data-question ") == 1
    assert html.count("data-nav=") == 3


def test_all_on_one_page_layout_shows_every_question(signed_in, exam):
    exam.layout = PageLayout.ALL_ON_ONE_PAGE
    exam.save()
    attempt = _start(signed_in, exam)
    html = signed_in.get(reverse("quizzes:attempt", args=[attempt.token])).content
    assert html.decode().count("data-question ") == 3


def test_reload_keeps_the_deadline(signed_in, exam, learner):
    started = timezone.now() - timedelta(minutes=10)
    attempt = attempt_start(quiz=exam, user=learner, now=started)
    response = signed_in.get(reverse("quizzes:attempt", args=[attempt.token]))
    assert response.context["remaining"] <= 20 * 60


def test_unpublished_quiz_is_not_found(signed_in, exam):
    exam.is_published = False
    exam.save()
    assert signed_in.get(reverse("quizzes:detail", args=[exam.slug])).status_code == 404
    assert signed_in.post(reverse("quizzes:start", args=[exam.slug])).status_code == 404


def test_exam_not_yet_open_cannot_be_started(signed_in, exam):
    exam.opens_at = timezone.now() + timedelta(hours=1)
    exam.save()
    page = signed_in.get(reverse("quizzes:detail", args=[exam.slug]))
    assert "尚未开始" in page.content.decode()
    response = signed_in.post(reverse("quizzes:start", args=[exam.slug]), follow=True)
    assert "该测验尚未开放" in response.content.decode()
    assert not Attempt.objects.filter(quiz=exam).exists()


# ------------------------------------------------------------ saving answers


def test_json_save_then_same_answer_again_changes_nothing(signed_in, exam):
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=1)
    body = {"position": 1, "response": _right(item), "revision": 0}

    first = _post_json(signed_in, attempt, body)
    assert first.status_code == 200
    assert first.json()["saved"] is True
    assert first.json()["revision"] == 1
    assert "feedback" not in first.json()  # an exam gives none

    again = _post_json(signed_in, attempt, body)  # a retried request
    assert again.status_code == 200
    assert again.json() | {"remaining": None} == first.json() | {
        "remaining": None,
        "changed": False,
    }
    item.refresh_from_db()
    assert item.revision == 1
    assert item.response == _right(item)


def test_form_fallback_saves_and_moves_to_the_next_question(signed_in, exam):
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=1)
    response = signed_in.post(
        reverse("quizzes:answer", args=[attempt.token]),
        {"position": 1, "revision": 0, "option": _right(item)["option"], "go": "2"},
    )
    assert response.status_code == 302
    assert response.url.endswith("?n=2")
    item.refresh_from_db()
    assert item.response == _right(item)
    page = signed_in.get(response.url)
    assert "第1题已保存" in page.content.decode()


def test_form_fallback_multiple_choice_and_fill_in(signed_in):
    multiple = QuestionFactory(kind=QuestionKind.MULTIPLE)
    blank = QuestionFactory(kind=QuestionKind.FILL_IN)
    quiz = quiz_add_questions(ExamFactory(slug="mixed"), [multiple, blank])
    attempt = _start(signed_in, quiz)
    item = attempt.items.get(position=1)
    right = [o["id"] for o in item.snapshot["options"] if o["correct"]]
    url = reverse("quizzes:answer", args=[attempt.token])
    signed_in.post(url, {"position": 1, "revision": 0, "options": right})
    signed_in.post(url, {"position": 2, "revision": 0, "blank": ["《禁毒法》"]})
    assert attempt.items.get(position=1).response == {"options": sorted(right)}
    assert attempt.items.get(position=2).response == {"blanks": ["《禁毒法》"]}


def test_stale_tab_is_refused_and_told_to_reload(signed_in, exam):
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=1)
    # The other tab saved first: the item is at revision 1 now.
    assert _post_json(
        signed_in, attempt, {"position": 1, "response": _right(item), "revision": 0}
    ).json()["saved"]

    stale = _post_json(
        signed_in, attempt, {"position": 1, "response": _wrong(item), "revision": 0}
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert "请刷新后再作答" in stale.json()["error"]
    item.refresh_from_db()
    assert item.response == _right(item)


def test_late_answer_is_refused_and_the_attempt_submitted(signed_in, exam, learner):
    user = learner
    attempt = attempt_start(
        quiz=exam, user=user, now=timezone.now() - timedelta(minutes=31)
    )
    item = attempt.items.get(position=1)
    late = _post_json(
        signed_in, attempt, {"position": 1, "response": _right(item), "revision": 0}
    )
    assert late.status_code == 409
    payload = late.json()
    assert payload["error"] == "答题时间已到，试卷已自动交卷，这次作答没有保存。"
    assert payload["result_url"] == reverse("quizzes:result", args=[attempt.token])
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKED
    assert attempt.submit_reason == SubmitReason.TIMEOUT
    assert attempt.items.get(position=1).response is None


def test_opening_an_attempt_after_its_time_shows_the_result(signed_in, exam, learner):
    user = learner
    attempt = attempt_start(
        quiz=exam, user=user, now=timezone.now() - timedelta(minutes=31)
    )
    response = signed_in.get(
        reverse("quizzes:attempt", args=[attempt.token]), follow=True
    )
    html = response.content.decode()
    assert "答题时间已到，试卷已自动交卷" in html
    assert "时间到自动交卷" in html


def test_answer_to_a_question_not_in_the_attempt(signed_in, exam):
    attempt = _start(signed_in, exam)
    response = _post_json(
        signed_in, attempt, {"position": 9, "response": {"option": 1}, "revision": 0}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "该题不在本次答卷中。"


def test_a_malformed_request_is_a_bad_request(signed_in, exam):
    attempt = _start(signed_in, exam)
    url = reverse("quizzes:answer", args=[attempt.token])
    broken = signed_in.post(url, data="{", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["error"] == "请求格式不正确。"
    other_option = _post_json(
        signed_in, attempt, {"position": 1, "response": {"option": 10**9}}
    )
    assert other_option.status_code == 400
    assert other_option.json()["error"] == "所选选项不属于本题。"


def test_submitted_attempt_cannot_change(signed_in, exam):
    attempt = _start(signed_in, exam)
    signed_in.post(reverse("quizzes:submit", args=[attempt.token]))
    item = attempt.items.get(position=1)
    response = _post_json(
        signed_in, attempt, {"position": 1, "response": _right(item), "revision": 0}
    )
    assert response.status_code == 409
    assert response.json()["error"] == "本次答卷已交卷，不能再修改答案。"
    # Without JavaScript: the message, on the result page.
    form = signed_in.post(
        reverse("quizzes:answer", args=[attempt.token]),
        {"position": 1, "option": _right(item)["option"]},
        follow=True,
    )
    html = form.content.decode()
    assert "本次答卷已交卷，不能再修改答案。" in html
    assert form.redirect_chain[-1][0] == reverse("quizzes:result", args=[attempt.token])
    # And the paper itself now shows the result.
    paper = signed_in.get(reverse("quizzes:attempt", args=[attempt.token]))
    assert paper.url == reverse("quizzes:result", args=[attempt.token])


def test_answer_endpoint_sql_is_small(signed_in, exam, django_assert_max_num_queries):
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=1)
    body = {"position": 1, "response": _right(item), "revision": 0}
    # session, user, attempt; then the service's locking SELECT and one UPDATE.
    # The test's own transaction adds a SAVEPOINT and its RELEASE around them.
    with django_assert_max_num_queries(7) as captured:
        assert _post_json(signed_in, attempt, body).json()["saved"]
    statements = [
        q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]
    ]
    assert len(statements) <= 5, statements


# ------------------------------------------------------------ practice feedback


def test_practice_answer_shows_right_wrong_key_and_explanation_then_locks(
    signed_in, practice
):
    attempt = _start(signed_in, practice)
    item = attempt.items.get(position=1)
    response = _post_json(
        signed_in, attempt, {"position": 1, "response": _wrong(item), "revision": 0}
    )
    feedback = response.json()["feedback"]
    assert feedback["is_correct"] is False
    assert "回答错误" in feedback["html"]
    assert "正确答案：" in feedback["html"]
    assert "依据《中华人民共和国禁毒法》。" in feedback["html"]
    assert feedback["correct_options"] == [_right(item)["option"]]

    changed_mind = _post_json(
        signed_in, attempt, {"position": 1, "response": _right(item), "revision": 1}
    )
    assert changed_mind.status_code == 409
    assert changed_mind.json()["error"] == "本题已显示答案，不能再修改。"

    # A reload shows the same feedback, and the choices locked.
    page = signed_in.get(reverse("quizzes:attempt", args=[attempt.token]))
    html = page.content.decode()
    assert "回答错误" in html and "依据《中华人民共和国禁毒法》。" in html
    assert "disabled" in html


def test_exam_page_never_shows_the_key_while_in_progress(signed_in, exam):
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=1)
    _post_json(signed_in, attempt, {"position": 1, "response": _wrong(item)})
    html = signed_in.get(reverse("quizzes:attempt", args=[attempt.token])).content
    html = html.decode()
    assert "正确答案" not in html
    assert "依据《中华人民共和国禁毒法》。" not in html


# ------------------------------------------------------------ submit and result


def test_submit_confirmation_lists_the_unanswered(signed_in, exam):
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=2)
    _post_json(signed_in, attempt, {"position": 2, "response": _right(item)})
    page = signed_in.get(reverse("quizzes:submit", args=[attempt.token]))
    html = page.content.decode()
    assert "还有 2 道题未作答（共 3 题）" in html
    assert page.context["unanswered"] == [1, 3]


def test_double_submit_gives_one_result(signed_in, exam):
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=1)
    _post_json(signed_in, attempt, {"position": 1, "response": _right(item)})
    url = reverse("quizzes:submit", args=[attempt.token])
    first = signed_in.post(url)
    second = signed_in.post(url)  # the second click, or the other tab
    result_url = reverse("quizzes:result", args=[attempt.token])
    assert first.url == second.url == result_url
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKED
    assert str(attempt.score) == "1.00"
    assert Attempt.objects.filter(quiz=exam).count() == 1
    # Counted once in the learner's progress.
    assert sum(CategoryProgress.objects.values_list("items", flat=True)) == 3
    html = signed_in.get(result_url).content.decode()
    assert "得分 <strong>1</strong> / 3 分" in html
    assert "不及格" in html


def test_result_after_submit_policy_shows_key_and_explanation(signed_in, exam):
    attempt = _start(signed_in, exam)
    signed_in.post(reverse("quizzes:submit", args=[attempt.token]))
    html = signed_in.get(reverse("quizzes:result", args=[attempt.token])).content
    html = html.decode()
    assert "正确答案" in html
    assert "依据《中华人民共和国禁毒法》。" in html


def test_result_after_close_hides_everything_until_the_exam_closes(signed_in, learner):
    now = timezone.now()
    exam = quiz_add_questions(
        ExamFactory(
            slug="closing-exam",
            review_policy="after_close",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=1),
        ),
        QuestionFactory.create_batch(2),
    )
    attempt = _start(signed_in, exam)
    item = attempt.items.get(position=1)
    _post_json(signed_in, attempt, {"position": 1, "response": _right(item)})
    signed_in.post(reverse("quizzes:submit", args=[attempt.token]))

    html = signed_in.get(reverse("quizzes:result", args=[attempt.token])).content
    html = html.decode()
    assert "成绩将在考试结束后公布" in html
    assert "正确答案" not in html
    assert "依据《中华人民共和国禁毒法》。" not in html
    assert item.snapshot["stem"] not in html
    assert "得分" not in html
    # Nor on the list or the quiz's page.
    for url in (reverse("quizzes:index"), reverse("quizzes:detail", args=[exam.slug])):
        page = signed_in.get(url).content.decode()
        assert "成绩将在考试结束后公布" in page
        assert " / 2 分" not in page

    # The exam closes: now the key and the score show.
    exam.closes_at = now - timedelta(minutes=1)
    exam.save()
    html = signed_in.get(reverse("quizzes:result", args=[attempt.token])).content
    html = html.decode()
    assert "成绩将在考试结束后公布" not in html
    assert "正确答案" in html
    assert "依据《中华人民共和国禁毒法》。" in html
    assert "得分 <strong>1</strong> / 2 分" in html


def test_essay_waits_for_marking(signed_in):
    quiz = quiz_add_questions(
        ExamFactory(slug="essay-exam"),
        [QuestionFactory(kind=QuestionKind.ESSAY, explanation="")],
    )
    attempt = _start(signed_in, quiz)
    _post_json(
        signed_in, attempt, {"position": 1, "response": {"text": "先稳定情绪。"}}
    )
    signed_in.post(reverse("quizzes:submit", args=[attempt.token]))
    html = signed_in.get(reverse("quizzes:result", args=[attempt.token])).content
    html = html.decode()
    assert "待阅卷" in html
    assert "先稳定情绪。" in html


def test_stem_html_and_script_are_rendered_inert(signed_in):
    question = QuestionFactory(
        stem='<p>题干<script>alert("x")</script><img src=x onerror="alert(1)"></p>',
        explanation='<a href="javascript:alert(2)">解析</a>',
    )
    quiz = quiz_add_questions(QuizFactory(slug="hostile"), [question])
    attempt = _start(signed_in, quiz)
    html = signed_in.get(reverse("quizzes:attempt", args=[attempt.token])).content
    html = html.decode()
    assert "<p>题干" in html
    assert "<script>alert" not in html
    assert "onerror" not in html
    item = attempt.items.get()
    feedback = _post_json(
        signed_in, attempt, {"position": 1, "response": _wrong(item)}
    ).json()["feedback"]["html"]
    assert "javascript:" not in feedback
    assert "解析" in feedback


# ------------------------------------------------------------ who may see what


def test_another_learners_token_is_not_found(client, exam, learner, other_learner):
    attempt = attempt_start(quiz=exam, user=learner)
    item = attempt.items.get(position=1)
    client.force_login(other_learner)
    for name in ("quizzes:attempt", "quizzes:result", "quizzes:submit"):
        assert client.get(reverse(name, args=[attempt.token])).status_code == 404
    assert (
        client.post(reverse("quizzes:submit", args=[attempt.token])).status_code == 404
    )
    forged = _post_json(client, attempt, {"position": 1, "response": _right(item)})
    assert forged.status_code == 404
    item.refresh_from_db()
    assert item.response is None
    attempt.refresh_from_db()
    assert attempt.is_in_progress


def test_anonymous_is_sent_to_log_in(client, exam, learner):
    attempt = attempt_start(quiz=exam, user=learner)
    login = reverse("login")
    urls = [
        reverse("quizzes:index"),
        reverse("quizzes:detail", args=[exam.slug]),
        reverse("quizzes:attempt", args=[attempt.token]),
        reverse("quizzes:result", args=[attempt.token]),
        reverse("quizzes:wrong_answers"),
        reverse("quizzes:drill"),
        reverse("quizzes:progress"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(login), url
    response = _post_json(client, attempt, {"position": 1, "response": None})
    assert response.status_code == 302
    assert response.url.startswith(login)


def test_result_of_an_attempt_in_progress_goes_back_to_the_paper(signed_in, exam):
    attempt = _start(signed_in, exam)
    response = signed_in.get(reverse("quizzes:result", args=[attempt.token]))
    assert response.url == reverse("quizzes:attempt", args=[attempt.token])


def test_practice_submitted_by_service_shows_on_the_quiz_page(
    signed_in, practice, learner
):
    attempt = attempt_start(quiz=practice, user=learner)
    for item in attempt.items.all():
        answer_save(
            attempt=attempt, user=learner, position=item.position, response=_right(item)
        )
    attempt_submit(attempt=attempt, user=learner)
    html = signed_in.get(reverse("quizzes:detail", args=[practice.slug])).content
    html = html.decode()
    assert "2 / 2 分" in html
    assert "及格" in html
    assert "再做一次" in html
