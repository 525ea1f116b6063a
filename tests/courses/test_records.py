"""The training record's write path, ledger and aggregates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import (
    CoursePage,
    CourseProgress,
    CreditReason,
    FactKind,
    HourCredit,
    LearnerProfile,
    LearnerYear,
    LearningFact,
    LessonPage,
    LessonProgress,
    RecordStale,
    TrainingPolicy,
    UnitYear,
)
from courses.models.pages import CompletionRule
from courses.services.learners import learner_move
from courses.services.records.aggregate import (
    learner_records_current,
    records_rebuild,
    records_refresh_stale,
)
from courses.services.records.facts import LearnerRef, stale_mark
from courses.services.records.lessons import (
    LessonNotTrackable,
    lesson_complete_record,
    lesson_heartbeat_record,
    lesson_opened_record,
    lesson_ref_for_reader,
    lesson_video_record,
)
from courses.services.records.manual import hours_adjust
from tests.courses.test_course_pages import book_dir, load, site  # noqa: F401

NOW = timezone.now().replace(second=0, microsecond=0)


@pytest.fixture
def course(site, book_dir):  # noqa: F811
    load(site, book_dir)
    return CoursePage.objects.get(slug="book")


@pytest.fixture
def lessons(course):
    first, second = LessonPage.objects.descendant_of(course).order_by("path")
    return first, second


@pytest.fixture
def learner(people):
    return people["F1-B1"]


def ref(learner):
    learner.refresh_from_db()
    return LearnerRef.of(learner)


def lesson_ref(lesson):
    return lesson_ref_for_reader(lesson_id=lesson.pk)


def beats(learner, lesson, minutes, start=NOW):
    for m in range(minutes):
        at = start + timedelta(minutes=m)
        lesson_heartbeat_record(learner=ref(learner), lesson=lesson_ref(lesson), now=at)
        # a second tab, same minute: counts once
        lesson_heartbeat_record(
            learner=ref(learner),
            lesson=lesson_ref(lesson),
            now=at + timedelta(seconds=20),
        )


def test_two_tabs_and_retries_count_each_minute_once(learner, lessons):
    lesson = lessons[0]
    beats(learner, lesson, 3)
    assert (
        LearningFact.objects.filter(learner=learner, kind=FactKind.TIME_ON_TASK).count()
        == 3
    )
    records_refresh_stale()
    assert (
        LessonProgress.objects.get(learner=learner, lesson_id_ref=lesson.pk).seconds
        == 180
    )


def test_lesson_completes_only_when_its_rule_is_met_and_credits_once(learner, lessons):
    lesson = lessons[0]  # 45 minutes, rule "time": half of it by default
    lesson_opened_record(learner=ref(learner), lesson=lesson_ref(lesson), now=NOW)
    status = lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lesson))
    assert not status.rule_met and status.completed_at is None
    assert not HourCredit.objects.exists()

    beats(learner, lesson, 23)
    status = lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lesson))
    assert status.completed_at is not None
    lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lesson))
    beats(learner, lesson, 30, start=NOW + timedelta(hours=2))  # reading it again
    records_refresh_stale()
    credit = HourCredit.objects.get(learner=learner)
    assert credit.hours == Decimal("1.0") and credit.reason == CreditReason.LESSON
    assert (
        credit.fact.kind == FactKind.LESSON_COMPLETED and credit.fact.lesson == lesson
    )
    year = LearnerYear.objects.get(learner=learner)
    assert year.hours == Decimal("1.0") and year.lessons_completed == 1


def test_time_on_task_is_capped_per_lesson(learner, lessons):
    lesson = lessons[1]  # 30 minutes, cap 2× = 60
    beats(learner, lesson, 75)
    records_refresh_stale()
    assert LessonProgress.objects.get(lesson_id_ref=lesson.pk).seconds == 3600


def test_video_counts_segments_played_not_a_seek_to_the_end(learner, lessons):
    lesson = lessons[1]
    LessonPage.objects.filter(pk=lesson.pk).update(completion_rule=CompletionRule.VIDEO)
    from courses.cache import content_version_bump

    content_version_bump()
    r = lesson_ref(lesson)
    lesson_video_record(learner=ref(learner), lesson=r, position=295, duration=300)
    assert lesson_complete_record(learner=ref(learner), lesson=r).completed_at is None
    for position in range(0, 280, 10):
        lesson_video_record(
            learner=ref(learner), lesson=r, position=position, duration=300
        )
    status = lesson_complete_record(learner=ref(learner), lesson=r)
    assert status.video_percent >= 90 and status.completed_at is not None
    with pytest.raises(ValueError):
        lesson_video_record(learner=ref(learner), lesson=r, position=900, duration=300)


def test_the_batch_completes_a_lesson_the_browser_never_reported(learner, lessons):
    lesson = lessons[0]
    beats(learner, lesson, 25)
    assert not HourCredit.objects.exists()
    assert records_refresh_stale() == 1
    assert HourCredit.objects.get(learner=learner).hours == Decimal("1.0")
    assert not RecordStale.objects.exists()


def test_unpublished_lessons_cannot_be_tracked(learner, lessons):
    lessons[0].unpublish()
    with pytest.raises(LessonNotTrackable):
        lesson_ref_for_reader(lesson_id=lessons[0].pk)
    with pytest.raises(LessonNotTrackable):
        lesson_ref_for_reader(lesson_id=999999)


def test_deleting_a_lesson_keeps_facts_and_hours(learner, lessons):
    lesson = lessons[0]
    beats(learner, lesson, 25)
    lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lesson))
    lesson.delete()
    credit = HourCredit.objects.get(learner=learner)
    assert credit.hours == Decimal("1.0") and credit.title == lesson.title
    assert credit.fact.lesson_id is None
    records_rebuild()
    assert LearnerYear.objects.get(learner=learner).hours == Decimal("1.0")


def test_a_move_mid_year_keeps_hours_with_the_learner_and_units_by_date(
    learner, lessons, province
):
    beats(learner, lessons[0], 25)
    lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lessons[0]))
    learner_move(learner=learner, unit=province["F2-B1"])
    beats(learner, lessons[1], 15)
    lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lessons[1]))
    records_refresh_stale()
    year = timezone.localdate().year
    assert LearnerYear.objects.get(learner=learner).hours == Decimal("1.5")
    assert UnitYear.objects.get(unit=province["F1-B1"], training_year=year).hours == 1
    assert UnitYear.objects.get(
        unit=province["F2-B1"], training_year=year
    ).hours == Decimal("0.5")


def test_training_year_follows_the_bureau_policy(learner, lessons, province):
    TrainingPolicy.objects.create(bureau=province["B"], year_starts_month=12)
    january = NOW.replace(month=1, day=10)
    beats(learner, lessons[0], 25, start=january)
    lesson_complete_record(
        learner=ref(learner), lesson=lesson_ref(lessons[0]), now=january
    )
    assert HourCredit.objects.get().training_year == january.year - 1


def test_manual_adjustment_needs_a_reason_and_counts_once(
    learner, facility_admin, make_role_user
):
    with pytest.raises(ValidationError):
        hours_adjust(
            learner=learner, hours=Decimal("2"), reason="  ", by=facility_admin
        )
    for _ in range(2):  # the form submitted twice
        hours_adjust(
            learner=learner,
            hours=Decimal("2"),
            reason="参加省厅集中轮训",
            by=facility_admin,
            token="form-1",
        )
    credit = HourCredit.objects.get(learner=learner)
    assert (
        credit.fact.recorded_by == facility_admin
        and credit.fact.reason == "参加省厅集中轮训"
    )
    other = make_role_user("facility_admin", "F2")
    with pytest.raises(ValidationError):
        hours_adjust(learner=learner, hours=Decimal("2"), reason="x", by=other)


def _snapshot():
    return (
        sorted(
            LessonProgress.objects.values_list(
                "learner", "lesson_id_ref", "seconds", "video_percent", "completed_at"
            )
        ),
        sorted(
            CourseProgress.objects.values_list(
                "learner",
                "course_id_ref",
                "required_lessons",
                "completed_lessons",
                "completed_at",
            )
        ),
        sorted(
            LearnerYear.objects.values_list(
                "learner",
                "training_year",
                "hours",
                "lesson_hours",
                "adjustment_hours",
                "lessons_completed",
            )
        ),
        sorted(
            UnitYear.objects.values_list(
                "unit", "training_year", "hours", "learners_credited", "credits"
            )
        ),
    )


def test_rebuild_gives_exactly_the_incremental_numbers(people, lessons, facility_admin):
    for i, learner in enumerate(people.values()):
        beats(learner, lessons[0], 10 + 8 * i)
        if i % 2:
            lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lessons[0]))
            records_refresh_stale()
        beats(learner, lessons[1], 5 * i)
    hours_adjust(
        learner=people["F1-C1"], hours=Decimal("3"), reason="补录", by=facility_admin
    )
    records_refresh_stale()
    incremental = _snapshot()
    assert incremental[2], "some hours were credited"
    records_rebuild()
    assert _snapshot() == incremental


def test_dashboard_read_brings_the_learner_up_to_date(learner, lessons):
    beats(learner, lessons[0], 25)
    learner_records_current(learner_id=learner.pk)
    assert CourseProgress.objects.get(learner=learner).completed_lessons == 1


def test_course_page_shows_the_readers_progress_and_missing_prerequisites(
    client,
    learner,
    lessons,
    course,
    site,  # noqa: F811
):
    before = CoursePage(title="先修：禁毒法基础", slug="before")
    site["catalogue"].add_child(instance=before)
    course.prerequisites.add(before)
    course.save_revision().publish()
    beats(learner, lessons[0], 25)
    lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lessons[0]))
    client.force_login(learner.user)
    html = client.get(course.url).content.decode()
    assert "已完成 1 / 2 课" in html
    assert "请先完成先修课程" in html and "先修：禁毒法基础" in html
    client.logout()
    assert "我的进度" not in client.get(course.url).content.decode()


def test_a_course_is_finished_only_after_its_prerequisites(
    learner,
    lessons,
    course,
    site,  # noqa: F811
):
    before = CoursePage(title="先修：禁毒法基础", slug="before")
    site["catalogue"].add_child(instance=before)
    intro = LessonPage(
        title="禁毒法概述",
        slug="intro",
        minutes=10,
        completion_rule=CompletionRule.OPENED,
    )
    before.add_child(instance=intro)
    course.prerequisites.add(before)
    course.save_revision().publish()
    for lesson in lessons:
        beats(learner, lesson, 25)
        lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lesson))
    records_refresh_stale()
    main = CourseProgress.objects.get(learner=learner, course_id_ref=course.pk)
    assert main.completed_lessons == 2 and main.completed_at is None

    lesson_opened_record(
        learner=ref(learner), lesson=lesson_ref(intro), now=NOW + timedelta(days=1)
    )
    records_refresh_stale()
    main = CourseProgress.objects.get(learner=learner, course_id_ref=course.pk)
    assert main.completed_at == NOW + timedelta(days=1)
    # Everyone else has their yearly row too, as after the roster import.
    stale_mark(learner_ids=LearnerProfile.objects.values_list("id", flat=True))
    records_refresh_stale()
    incremental = _snapshot()
    records_rebuild()
    assert _snapshot() == incremental
