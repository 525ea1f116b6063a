"""Taking a quiz attempt through the API: the engine's services, the pages' checks.

Start (or resume) → read the paper (no answers) → save answers (idempotent,
late ones refused) → submit (twice gives one result) → the result as the
review policy allows.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Attempt, AttemptStatus, CategoryProgress, SubmitReason
from quizzes.services import attempt_start
from tests.factories import UserFactory
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


@pytest.fixture
def learner(people):
    return people["F1-B1"].user


@pytest.fixture
def me(api_as, learner):
    return api_as(learner)


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


def _start(me, quiz) -> dict:
    response = me.post(f"/api/v1/me/quizzes/{quiz.slug}/attempts")
    assert response.status_code == 200, response.content.decode()
    return response.json()


def _answer(me, token, position, response, revision=None):
    return me.put(
        f"/api/v1/me/attempts/{token}/answers/{position}",
        {"response": response, "revision": revision},
    )


def _no_key_in(paper: dict) -> None:
    for item in paper["items"]:
        assert item["shows_key"] is False
        assert item["correct_answer"] is None and item["explanation"] is None
        assert item["is_correct"] is None and item["score"] is None
        assert all(option["correct"] is None for option in item["options"])


def test_start_save_submit_result(me, exam, learner):
    paper = _start(me, exam)
    assert paper["in_progress"] and paper["status"] == AttemptStatus.IN_PROGRESS
    assert paper["quiz"] == {"slug": "exam-1", "title": "综合业务考核", "mode": "exam"}
    assert 29 * 60 < paper["remaining_seconds"] <= 30 * 60
    assert [i["position"] for i in paper["items"]] == [1, 2, 3]
    _no_key_in(paper)
    assert paper["score"] is None and paper["passed"] is None
    # Starting again resumes the same attempt, deadline unchanged.
    again = _start(me, exam)
    assert (again["token"], again["deadline"]) == (paper["token"], paper["deadline"])

    token = paper["token"]
    attempt = Attempt.objects.get(token=token)
    item = attempt.items.get(position=1)
    saved = _answer(me, token, 1, _right(item), revision=0)
    assert saved.status_code == 200, saved.content.decode()
    assert saved.json() | {"remaining_seconds": None} == {
        "saved": True,
        "changed": True,
        "revision": 1,
        "answered": True,
        "remaining_seconds": None,
        "feedback": None,  # an exam gives none
    }
    same = _answer(me, token, 1, _right(item), revision=1).json()
    assert (same["changed"], same["revision"]) == (False, 1)
    stale = _answer(me, token, 1, _wrong(item), revision=0)
    assert stale.status_code == 409 and stale.json()["code"] == "stale"

    read = me.get(f"/api/v1/me/attempts/{token}").json()
    assert read["items"][0]["response"] == _right(item)
    assert read["items"][0]["revision"] == 1
    _no_key_in(read)

    first = me.post(f"/api/v1/me/attempts/{token}/submit")
    second = me.post(f"/api/v1/me/attempts/{token}/submit")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    result = first.json()
    assert result["status"] == AttemptStatus.MARKED and not result["in_progress"]
    assert (result["score"], result["max_score"], result["passed"]) == (1.0, 3.0, False)
    assert result["items"][0]["is_correct"] is True
    assert result["items"][0]["explanation"] == "依据《中华人民共和国禁毒法》。"
    assert result["items"][1]["is_correct"] is False
    # Counted once.
    assert Attempt.objects.filter(quiz=exam, user=learner).count() == 1
    assert sum(CategoryProgress.objects.values_list("items", flat=True)) == 3

    late = _answer(me, token, 2, _right(attempt.items.get(position=2)))
    assert late.status_code == 409
    assert late.json() == {
        "detail": "本次答卷已交卷，不能再修改答案。",
        "code": "submitted",
    }


def test_late_answer_is_refused_and_the_attempt_submitted(me, exam, learner):
    attempt = attempt_start(
        quiz=exam, user=learner, now=timezone.now() - timedelta(minutes=31)
    )
    item = attempt.items.get(position=1)
    late = _answer(me, attempt.token, 1, _right(item), revision=0)
    assert late.status_code == 409
    assert late.json() == {
        "detail": "答题时间已到，试卷已自动交卷，这次作答没有保存。",
        "code": "time_up",
    }
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKED
    assert attempt.submit_reason == SubmitReason.TIMEOUT
    assert attempt.items.get(position=1).response is None


def test_reading_an_attempt_after_its_time_submits_it(me, exam, learner):
    attempt = attempt_start(
        quiz=exam, user=learner, now=timezone.now() - timedelta(minutes=31)
    )
    data = me.get(f"/api/v1/me/attempts/{attempt.token}").json()
    assert data["in_progress"] is False and data["remaining_seconds"] is None
    attempt.refresh_from_db()
    assert attempt.submit_reason == SubmitReason.TIMEOUT


def test_after_close_policy_hides_score_and_questions_until_the_close(me, learner):
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
    token = _start(me, exam)["token"]
    item = Attempt.objects.get(token=token).items.get(position=1)
    _answer(me, token, 1, _right(item))
    result = me.post(f"/api/v1/me/attempts/{token}/submit").json()
    assert result["shows_score"] is False
    assert (result["score"], result["percent"], result["passed"]) == (None, None, None)
    assert result["items_hidden"] is True and result["items"] == []
    assert result["key_available_at"] is not None
    body = me.get(f"/api/v1/me/attempts/{token}").content.decode()
    assert "依据《中华人民共和国禁毒法》" not in body
    assert item.snapshot["stem"] not in body

    exam.closes_at = now - timedelta(minutes=1)
    exam.save()
    shown = me.get(f"/api/v1/me/attempts/{token}").json()
    assert shown["shows_score"] is True and shown["score"] == 1.0
    assert shown["items"][0]["correct_answer"] == _right(item)


def test_practice_gives_feedback_then_locks_the_answer(me):
    quiz = quiz_add_questions(
        QuizFactory(slug="practice-1"), QuestionFactory.create_batch(2)
    )
    token = _start(me, quiz)["token"]
    item = Attempt.objects.get(token=token).items.get(position=1)
    answered = _answer(me, token, 1, _wrong(item)).json()
    assert answered["feedback"]["is_correct"] is False
    assert answered["feedback"]["correct_answer"] == _right(item)
    paper = me.get(f"/api/v1/me/attempts/{token}").json()
    assert paper["items"][0]["locked"] is True
    assert paper["items"][0]["shows_key"] is True  # it was checked
    assert paper["items"][1]["shows_key"] is False  # not yet answered
    assert paper["items"][1]["correct_answer"] is None
    changed = _answer(me, token, 1, _right(item))
    assert changed.status_code == 409 and changed.json()["code"] == "already_checked"


def test_refusals_to_start(me):
    now = timezone.now()
    later = quiz_add_questions(
        ExamFactory(slug="later", opens_at=now + timedelta(days=1)),
        QuestionFactory.create_batch(1),
    )
    response = me.post("/api/v1/me/quizzes/later/attempts")
    assert response.status_code == 409
    assert response.json()["code"] == "not_open"
    assert response.json()["detail"].startswith("该测验尚未开放")

    later.is_published = False
    later.save()
    for slug in ["later", "no-such-quiz"]:
        response = me.post(f"/api/v1/me/quizzes/{slug}/attempts")
        assert response.status_code == 404
        assert response.json() == {"detail": "测验不存在。"}


def test_bad_answers_are_400(me, exam):
    token = _start(me, exam)["token"]
    not_an_object = me.put(f"/api/v1/me/attempts/{token}/answers/1", {"response": 1})
    assert not_an_object.status_code == 400
    assert not_an_object.json()["detail"] == "请求参数不正确：response。"
    foreign = _answer(me, token, 1, {"option": 987654})
    assert foreign.status_code == 400 and foreign.json()["code"] == "bad_response"
    missing = _answer(me, token, 99, {"option": 1})
    assert missing.status_code == 400
    assert missing.json() == {
        "detail": "该题不在本次答卷中。",
        "code": "not_in_attempt",
    }


def test_another_learners_attempt_is_not_found(api_as, me, exam, people):
    token = _start(me, exam)["token"]
    other = api_as(people["F2-B1"].user)
    for response in [
        other.get(f"/api/v1/me/attempts/{token}"),
        other.put(f"/api/v1/me/attempts/{token}/answers/1", {"response": None}),
        other.post(f"/api/v1/me/attempts/{token}/submit"),
        other.get("/api/v1/me/attempts/forged-token"),
    ]:
        assert response.status_code == 404
        assert response.json() == {"detail": "找不到该答卷。"}
    assert Attempt.objects.get(token=token).is_in_progress


def test_an_account_without_a_learner_profile_is_refused(api_as, exam):
    outsider = api_as(UserFactory(username="no-profile"))
    response = outsider.post("/api/v1/me/quizzes/exam-1/attempts")
    assert response.status_code == 403
    assert response.json() == {"detail": "只有学员才能使用本接口。"}
    assert not Attempt.objects.exists()
