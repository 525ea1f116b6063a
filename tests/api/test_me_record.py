"""The learner's record through the API: assignments, hours, lesson events.

Lesson events go through the same services as the lesson page's endpoints, so
they are idempotent the same way: an event sent twice is recorded once.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import (
    Assignment,
    CoursePage,
    FactKind,
    HourCredit,
    LearningFact,
    LessonPage,
)
from courses.models.pages import CompletionRule
from courses.services.records.manual import hours_adjust
from courses.services.records.policy import current_training_year
from tests.courses.test_course_pages import book_dir, load, site  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)  # five seconds into a minute
REFUSED = "课程不存在或您无权学习"


@pytest.fixture
def learner(people):
    return people["F1-B1"]


@pytest.fixture
def me(api_as, learner):
    return api_as(learner.user)


@pytest.fixture
def lessons(site, book_dir):  # noqa: F811
    load(site, book_dir)
    course = site["catalogue"].get_children().type(CoursePage).get(slug="book")
    # 第一节: 45 minutes, 1 class-hour; 第二节: 30 minutes, 0.5; rule "time".
    return tuple(LessonPage.objects.descendant_of(course).order_by("path"))


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = T0

        def at(self, when):
            self.now = when

    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


def _event(me, lesson_id, kind, **data):
    return me.post(f"/api/v1/me/lessons/{lesson_id}/events", {"type": kind, **data})


def _facts(learner, kind):
    return LearningFact.objects.filter(learner=learner, kind=kind)


def _rule_set(lesson, **fields):
    page = LessonPage.objects.get(pk=lesson.pk)
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


# ---------------------------------------------------------------- lessons


def test_opened_and_heartbeats_sent_twice_are_recorded_once(
    me, learner, lessons, clock
):
    lesson = lessons[0]
    first = _event(me, lesson.pk, "opened")
    second = _event(me, lesson.pk, "opened")
    assert first.status_code == second.status_code == 200, first.content.decode()
    status = first.json()["status"]
    assert (status["lesson"], status["rule"], status["completed"]) == (
        lesson.pk,
        "time",
        False,
    )
    assert _facts(learner, FactKind.LESSON_OPENED).count() == 1

    beat = _event(me, lesson.pk, "heartbeat")
    assert beat.status_code == 200
    assert beat.json() == {"recorded": True, "status": None}
    clock.at(T0 + timedelta(seconds=20))  # the same minute: a retry, another tab
    assert _event(me, lesson.pk, "heartbeat").status_code == 200
    assert _facts(learner, FactKind.TIME_ON_TASK).count() == 1
    clock.at(T0 + timedelta(seconds=65))
    _event(me, lesson.pk, "heartbeat")
    assert _facts(learner, FactKind.TIME_ON_TASK).count() == 2

    progress = me.get(f"/api/v1/me/lessons/{lesson.pk}/progress").json()
    assert (progress["seconds"], progress["needed_seconds"]) == (120, 23 * 60)
    assert progress["percent"] == 8


def test_completion_is_credited_once(me, learner, lessons):
    lesson = lessons[0]
    refused = _event(me, lesson.pk, "complete")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "尚未达到本课的完成条件。"}
    assert not HourCredit.objects.exists()

    _rule_set(lesson, completion_rule=CompletionRule.OPENED)
    opened = _event(me, lesson.pk, "opened").json()["status"]
    assert opened["completed"] is True and opened["hours"] == 1.0
    for _ in range(2):
        done = _event(me, lesson.pk, "complete")
        assert done.status_code == 200
        assert done.json()["status"]["completed"] is True
    _event(me, lesson.pk, "opened")
    assert HourCredit.objects.filter(learner=learner).count() == 1
    assert _facts(learner, FactKind.LESSON_COMPLETED).count() == 1
    hours = me.get("/api/v1/me/hours", year=opened_year(learner)).json()
    assert hours["hours_total"] == 1.0 and hours["by_reason"]["lesson"] == 1.0


def opened_year(learner) -> int:
    return HourCredit.objects.get(learner=learner).training_year


def test_video_positions_count_in_segments(me, learner, lessons):
    lesson = lessons[1]
    for position in (0, 10, 20, 20):
        response = _event(me, lesson.pk, "video", position=position, duration=300)
        assert response.status_code == 200
    assert _facts(learner, FactKind.VIDEO).count() == 3
    progress = me.get(f"/api/v1/me/lessons/{lesson.pk}/progress").json()
    assert (progress["video_percent"], progress["video_resume_at"]) == (10, 30)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "必须是数字"),
        ({"position": -5, "duration": 300}, "不能是负数"),
        ({"position": 0, "duration": 0}, "视频时长无效"),
        ({"position": 400, "duration": 300}, "超出了视频时长"),
        ({"position": "abc", "duration": 300}, "请求参数不正确：position"),
    ],
)
def test_bad_video_input_is_refused(me, learner, lessons, data, message):
    response = _event(me, lessons[0].pk, "video", **data)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not LearningFact.objects.exists()


def test_unknown_event_type_is_400(me, lessons):
    response = _event(me, lessons[0].pk, "teleported")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求参数不正确：type。"


@pytest.mark.parametrize("case", ["unpublished", "nonexistent"])
def test_a_lesson_the_learner_cannot_see_records_nothing(me, lessons, case):
    lesson_id = lessons[0].pk
    if case == "unpublished":
        lessons[0].unpublish()
    else:
        lesson_id = 999_999
    for kind in ["opened", "heartbeat", "complete"]:
        response = _event(me, lesson_id, kind)
        assert response.status_code == 404
        assert response.json() == {"detail": REFUSED}
    assert me.get(f"/api/v1/me/lessons/{lesson_id}/progress").status_code == 404
    assert not LearningFact.objects.exists()


def test_an_account_without_a_profile_records_nothing(api_as, lessons):
    outsider = api_as(UserFactory(username="no-profile"))
    response = _event(outsider, lessons[0].pk, "opened")
    assert response.status_code == 403
    assert response.json() == {"detail": "只有学员才能使用本接口。"}
    assert not LearningFact.objects.exists()


# ---------------------------------------------------------------- record


def test_my_assignments(me, learner, province, bureau_admin):
    year = current_training_year(learner=learner)
    today = timezone.localdate()

    def assign(code, title, due_on):
        return Assignment.objects.create(
            course_title=title,
            unit=province[code],
            training_year=year,
            due_on=due_on,
            assigned_by=bureau_admin,
        )

    assign("F1", "本所必修", today + timedelta(days=30))
    assign("B", "全省必修", today - timedelta(days=1))
    assign("F2", "二所必修", today + timedelta(days=30))
    response = me.get("/api/v1/me/assignments")
    assert response.status_code == 200, response.content.decode()
    rows = {a["course_title"]: a for a in response.json()}
    assert set(rows) == {"本所必修", "全省必修"}
    assert rows["本所必修"]["state"] == "doing"
    assert rows["全省必修"]["state"] == "overdue"
    assert rows["全省必修"]["unit"]["code"] == "B"
    assert me.get("/api/v1/me/assignments", year=year - 1).json() == []


def test_my_hours_add_up_to_the_ledger(me, learner, bureau_admin):
    for hours in ["1.5", "2"]:
        hours_adjust(
            learner=learner, hours=Decimal(hours), reason="补录", by=bureau_admin
        )
    data = me.get("/api/v1/me/hours").json()
    assert data["year"] == current_training_year(learner=learner)
    assert data["hours_total"] == 3.5
    assert sorted(line["hours"] for line in data["credits"]) == [1.5, 2.0]
    assert data["by_reason"] == {
        "lesson": 0.0,
        "exam": 0.0,
        "offline": 0.0,
        "adjustment": 3.5,
    }
    assert me.get("/api/v1/me/hours", year=data["year"] - 1).json()["credits"] == []
    bad = me.get("/api/v1/me/hours", year=9999)
    assert bad.status_code == 400 and "超出范围" in bad.json()["detail"]
