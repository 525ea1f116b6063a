"""Lesson progress from the reader's browser: the JSON endpoints records.js calls,
and the per-reader panel on the lesson page."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from courses.models import (
    CoursePage,
    FactKind,
    HourCredit,
    LearningFact,
    LessonPage,
    RecordStale,
)
from courses.models.pages import CompletionRule
from courses.services.learners import learner_move
from tests.courses.test_course_pages import book_dir, load, site  # noqa: F401

# Five seconds into a minute of the server's clock.
T0 = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
REFUSED = "课程不存在或您无权学习"


@pytest.fixture
def lessons(site, book_dir):  # noqa: F811
    load(site, book_dir)
    course = site["catalogue"].get_children().type(CoursePage).get(slug="book")
    # 第一节: 45 minutes, 1 class-hour; 第二节: 30 minutes, 0.5; rule "time".
    return tuple(LessonPage.objects.descendant_of(course).order_by("path"))


@pytest.fixture
def learner(people):
    return people["F1-B1"]


@pytest.fixture
def reader(client, learner):
    client.force_login(learner.user)
    return client


@pytest.fixture
def clock(monkeypatch):
    """The server's clock, moved by the test."""

    class Clock:
        now = T0

        def at(self, when):
            self.now = when

    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


def url(name: str, lesson_id: int) -> str:
    return reverse(f"courses:lesson_progress{name}", args=[lesson_id])


def post(client, name: str, lesson_id: int, **data):
    return client.post(url(f"_{name}", lesson_id), data)


def status_of(client, lesson_id: int) -> dict:
    response = client.get(url("", lesson_id))
    assert response.status_code == 200, response.content.decode()
    return response.json()


def rule_set(lesson, **fields) -> None:
    """Changes the lesson's completion settings as an author publishing would."""
    page = LessonPage.objects.get(pk=lesson.pk)
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


def facts(learner, kind=None):
    qs = LearningFact.objects.filter(learner=learner)
    return qs.filter(kind=kind) if kind else qs


def test_two_tabs_beating_in_the_same_minute_count_once(
    reader, learner, lessons, clock
):
    lesson = lessons[0]
    assert post(reader, "open", lesson.pk).status_code == 200

    assert post(reader, "beat", lesson.pk).status_code == 200  # tab one
    clock.at(T0 + timedelta(seconds=20))
    assert post(reader, "beat", lesson.pk).status_code == 200  # tab two
    clock.at(T0 + timedelta(seconds=40))
    assert post(reader, "beat", lesson.pk).status_code == 200  # tab one again
    assert status_of(reader, lesson.pk)["minutes"] == 1

    clock.at(T0 + timedelta(seconds=65))
    post(reader, "beat", lesson.pk)
    status = status_of(reader, lesson.pk)
    assert facts(learner, FactKind.TIME_ON_TASK).count() == 2
    assert (status["minutes"], status["needed_minutes"]) == (2, 23)
    assert status["completed"] is False and status["percent"] == 8  # 2 of 23


@pytest.mark.parametrize("case", ["unpublished", "nonexistent", "restricted"])
def test_a_forged_event_for_a_lesson_the_reader_cannot_see_records_nothing(
    reader, learner, lessons, case
):
    lesson = lessons[0]
    lesson_id = lesson.pk
    if case == "unpublished":
        lesson.unpublish()
    elif case == "nonexistent":
        lesson_id = 999_999
    else:
        restriction = PageViewRestriction.objects.create(
            page=lesson, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(Group.objects.create(name="所领导"))

    for name, data in [
        ("open", {}),
        ("beat", {}),
        ("video", {"position": 10, "duration": 300}),
        ("complete", {}),
    ]:
        response = post(reader, name, lesson_id, **data)
        assert response.status_code == 404, name
        assert response.json()["error"] == REFUSED
    assert reader.get(url("", lesson_id)).status_code == 404
    assert not facts(learner).exists()
    assert not RecordStale.objects.exists()
    assert not HourCredit.objects.exists()


def test_a_view_restriction_lets_its_own_group_record(reader, learner, lessons):
    lesson = lessons[0]
    leaders = Group.objects.create(name="所领导")
    restriction = PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(leaders)
    assert post(reader, "beat", lesson.pk).status_code == 404

    learner.user.groups.add(leaders)
    assert post(reader, "beat", lesson.pk).status_code == 200
    assert facts(learner, FactKind.TIME_ON_TASK).count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"position": "abc", "duration": 300}, "必须是数字"),
        ({"position": "", "duration": 300}, "必须是数字"),
        ({"duration": 300}, "必须是数字"),
        ({"position": "nan", "duration": 300}, "必须是数字"),
        ({"position": -5, "duration": 300}, "不能是负数"),
        ({"position": 10, "duration": -300}, "不能是负数"),
        ({"position": 0, "duration": 0}, "视频时长无效"),
        ({"position": 400, "duration": 300}, "超出了视频时长"),
    ],
    ids=[
        "letters",
        "empty",
        "missing",
        "nan",
        "negative",
        "negative-duration",
        "no-duration",
        "beyond-the-end",
    ],
)
def test_bad_video_input_is_refused_with_a_reason_and_nothing_recorded(
    reader, learner, lessons, data, message
):
    response = post(reader, "video", lessons[0].pk, **data)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not facts(learner).exists()


def test_a_video_resumes_where_the_reader_stopped_and_counts_what_was_played(
    reader, learner, lessons
):
    lesson = lessons[1]
    for position in (0, 10, 20):
        response = post(reader, "video", lesson.pk, position=position, duration=300)
        assert response.status_code == 200
    status = status_of(reader, lesson.pk)
    assert (status["video_percent"], status["video_resume_at"]) == (10, 30)


def test_a_video_report_may_come_as_json(reader, learner, lessons):
    lesson = lessons[1]
    response = reader.post(
        url("_video", lesson.pk),
        {"position": 12.7, "duration": 300.4},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert status_of(reader, lesson.pk)["video_resume_at"] == 0  # 10–20 s watched
    bad = reader.post(
        url("_video", lesson.pk),
        {"position": True, "duration": 300},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "必须是数字" in bad.json()["error"]
    assert facts(learner, FactKind.VIDEO).count() == 1


def test_the_end_of_a_video_is_its_last_segment_not_one_more(reader, learner, lessons):
    lesson = lessons[1]
    rule_set(lesson, completion_rule=CompletionRule.VIDEO, completion_video_percent=90)
    for position in [*range(0, 250, 10), 295]:  # 26 of 30 segments: 86 %
        post(reader, "video", lesson.pk, position=position, duration=300)
    post(reader, "video", lesson.pk, position=300, duration=300)  # "ended"

    status = status_of(reader, lesson.pk)
    assert status["video_percent"] == 86 and not status["rule_met"]
    assert post(reader, "complete", lesson.pk).status_code == 409
    assert not HourCredit.objects.exists()


def test_complete_is_refused_until_the_rule_is_met_then_credited_once(
    reader, learner, lessons, clock
):
    lesson = lessons[1]  # 30 minutes: 15 minutes of reading complete it
    post(reader, "open", lesson.pk)
    refused = post(reader, "complete", lesson.pk)
    assert refused.status_code == 409
    assert refused.json()["error"] == "尚未达到本课的完成条件。"
    assert refused.json()["completed"] is False
    assert not HourCredit.objects.exists()

    for minute in range(14):
        clock.at(T0 + timedelta(minutes=minute))
        post(reader, "beat", lesson.pk)
    assert post(reader, "complete", lesson.pk).status_code == 409
    assert not HourCredit.objects.exists()

    clock.at(T0 + timedelta(minutes=14))
    post(reader, "beat", lesson.pk)
    assert status_of(reader, lesson.pk)["rule_met"] is True
    first = post(reader, "complete", lesson.pk)
    again = post(reader, "complete", lesson.pk)  # a retry, or a second tab

    assert first.status_code == again.status_code == 200
    assert first.json()["completed"] and first.json()["hours"] == "0.5"
    assert again.json()["hours"] == "0.5"
    credit = HourCredit.objects.get(learner=learner)
    assert credit.hours == Decimal("0.5") and credit.fact.lesson_id == lesson.pk
    assert facts(learner, FactKind.LESSON_COMPLETED).count() == 1


def test_a_lesson_completed_by_opening_it_is_credited_at_once(reader, learner, lessons):
    lesson = lessons[0]
    rule_set(lesson, completion_rule=CompletionRule.OPENED)

    status = post(reader, "open", lesson.pk).json()
    post(reader, "open", lesson.pk)  # read again later

    assert status["completed"] and status["hours"] == "1" and status["percent"] == 100
    assert HourCredit.objects.get(learner=learner).hours == Decimal("1.0")


def test_only_a_signed_in_learner_may_record(client, lessons, make_role_user):
    lesson = lessons[0]
    response = post(client, "beat", lesson.pk)
    assert response.status_code == 403 and "请先登录" in response.json()["error"]
    assert client.get(url("", lesson.pk)).status_code == 403

    client.force_login(make_role_user("facility_admin", "F1"))  # no learner profile
    for name in ("open", "beat", "complete"):
        response = post(client, name, lesson.pk)
        assert response.status_code == 403
        assert response.json()["error"] == "只有学员才能记录学习进度。"
    assert client.get(url("", lesson.pk)).status_code == 403
    assert not LearningFact.objects.exists() and not RecordStale.objects.exists()


def test_the_post_endpoints_refuse_a_get_and_the_status_refuses_a_post(
    reader, learner, lessons
):
    lesson = lessons[0]
    assert reader.get(url("_beat", lesson.pk)).status_code == 405
    assert reader.post(url("", lesson.pk)).status_code == 405
    assert not facts(learner).exists()


def test_a_beat_without_the_csrf_token_is_refused(learner, lessons):
    lesson = lessons[0]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner.user)
    page = browser.get(lesson.url).content.decode()

    assert browser.post(url("_beat", lesson.pk)).status_code == 403
    assert not facts(learner).exists()

    panel = page[page.index("data-lesson-progress") :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', panel)[1]
    response = browser.post(url("_beat", lesson.pk), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert facts(learner, FactKind.TIME_ON_TASK).count() == 1


def test_a_beat_writes_the_fact_in_two_statements_without_reading_the_profile(
    reader, learner, lessons, clock
):
    lesson = lessons[0]
    post(reader, "beat", lesson.pk)  # fills the caches: learner, lesson, policy
    clock.at(T0 + timedelta(minutes=1))

    with CaptureQueriesContext(connection) as captured:
        assert post(reader, "beat", lesson.pk).status_code == 200

    statements = [q["sql"] for q in captured.captured_queries]
    # What any signed-in request costs (session, user) is not the beat's own.
    own = [
        sql
        for sql in statements
        if not re.search(r"django_session|courses_user\b|SAVEPOINT", sql)
    ]
    print(f"a beat: {len(statements)} SQL statements in all, {len(own)} its own")
    assert len(own) <= 2 and all(sql.startswith("INSERT") for sql in own), (
        f"{len(statements)} statements in all, the beat's own: {own}"
    )
    assert facts(learner, FactKind.TIME_ON_TASK).count() == 2


def test_after_a_move_the_next_beat_is_filed_under_the_new_unit(
    reader, learner, lessons, clock, province
):
    lesson = lessons[0]
    post(reader, "beat", lesson.pk)  # the learner's unit is now in the cache
    learner_move(learner=learner, unit=province["F2-B1"])
    clock.at(T0 + timedelta(minutes=1))
    post(reader, "beat", lesson.pk)

    units = list(
        facts(learner, FactKind.TIME_ON_TASK)
        .order_by("occurred_at")
        .values_list("unit__code", flat=True)
    )
    assert units == ["F1-B1", "F2-B1"]


def test_the_panel_is_per_reader_and_outside_the_shared_cached_fragment(
    client, learner, lessons
):
    lesson = lessons[0]
    anonymous = client.get(lesson.url).content.decode()  # fills the shared cache
    assert "data-lesson-progress" not in anonymous and "records.js" not in anonymous

    client.force_login(learner.user)
    html = client.get(lesson.url).content.decode()
    assert "第一节 毒品的概念" in html  # from the cached fragment
    panel = html[html.index("data-lesson-progress") :]
    assert f'data-beat-url="{url("_beat", lesson.pk)}"' in panel
    assert 'href="/me/training/"' in panel
    assert "records.js" in html
    assert "已学 {minutes} / 需 {needed} 分钟" in panel
