"""The learner's "my training" dashboard and printable transcript."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    Assignment,
    CoursePage,
    CreditReason,
    FactKind,
    HourRequirement,
    LessonPage,
    Position,
    TrainingPolicy,
)
from courses.services.records.facts import LearnerRef, fact_credit_record
from courses.services.records.lessons import lesson_complete_record
from courses.services.records.manual import assignment_create, hours_adjust
from courses.services.records.policy import current_training_year
from quizzes.models import ReviewPolicy
from tests.courses.test_course_pages import book_dir, load, site  # noqa: F401
from tests.courses.test_records import beats, lesson_ref, ref
from tests.factories import LearnerFactory, UserFactory
from tests.quizzes.factories import ExamFactory

MY_TRAINING = reverse("courses:my_training")
TRANSCRIPT = reverse("courses:my_transcript")


@pytest.fixture
def course(site, book_dir):  # noqa: F811
    load(site, book_dir)
    return CoursePage.objects.get(slug="book")


@pytest.fixture
def lessons(course):
    """The textbook's two lessons: 1.0 and 0.5 class-hours."""
    return tuple(LessonPage.objects.descendant_of(course).order_by("path"))


@pytest.fixture
def learner(people):
    return people["F1-B1"]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def complete(learner, lesson):
    """Read a lesson long enough for its rule and mark it complete."""
    beats(learner, lesson, 25)
    status = lesson_complete_record(learner=ref(learner), lesson=lesson_ref(lesson))
    assert status.completed_at is not None


def year_of(learner):
    return current_training_year(learner=learner)


def test_completed_lesson_shows_its_hours_title_and_link(
    as_user, learner, lessons, province
):
    TrainingPolicy.objects.create(bureau=province["B"])
    HourRequirement.objects.create(
        policy=learner.unit.get_root().training_policy,
        position=learner.position,
        hours=Decimal("40"),
    )
    complete(learner, lessons[0])
    response = as_user(learner.user).get(MY_TRAINING)
    html = response.content.decode()
    assert response.status_code == 200
    line = response.context["ledger"].lines[0]
    assert line.credit.title == lessons[0].title
    assert f'<a href="{lessons[0].url}">{lessons[0].title}</a>' in html
    assert response.context["ledger"].total == Decimal("1.0")
    assert "/ 40.0 学时" in html
    assert 'max="100" value="2"' in html  # 1 of 40 hours


def test_no_requirement_says_not_set(as_user, learner, lessons):
    complete(learner, lessons[0])
    html = as_user(learner.user).get(MY_TRAINING).content.decode()
    assert "未设定" in html


def test_deleted_lesson_keeps_its_hours_without_a_link(as_user, learner, lessons):
    complete(learner, lessons[0])
    url, title = lessons[0].url, lessons[0].title
    lessons[0].delete()
    html = as_user(learner.user).get(MY_TRAINING).content.decode()
    assert title in html and "页面已删除或下线" in html
    assert url not in html


def test_assignment_to_the_facility_shows_due_date_and_progress(
    as_user, learner, course, lessons, facility_admin
):
    due = timezone.localdate() + timedelta(days=30)
    assignment_create(
        course=course,
        unit=learner.unit.get_parent(),
        positions=None,
        training_year=year_of(learner),
        due_on=due,
        by=facility_admin,
    )
    complete(learner, lessons[0])
    response = as_user(learner.user).get(MY_TRAINING)
    html = response.content.decode()
    (row,) = response.context["assignments"]
    assert row["percent"] == 50 and row["state_label"] == "进行中"
    assert f"完成期限 {due:%Y-%m-%d}" in html
    assert f'<a href="{course.url}">{course.title}</a>' in html
    assert 'value="50"' in html and "已完成 1 / 2 节" in html


def test_assignments_elsewhere_or_for_other_positions_do_not_show(
    as_user, learner, course, bureau_admin, province
):
    due = timezone.localdate() + timedelta(days=30)
    year = year_of(learner)
    assignment_create(
        course=course,
        unit=province["F2"],
        positions=None,
        training_year=year,
        due_on=due,
        by=bureau_admin,
        note="二所的必修",
    )
    assignment_create(
        course=course,
        unit=province["F1"],
        positions=[Position.objects.get(code="medical")],
        training_year=year,
        due_on=due,
        by=bureau_admin,
        note="医疗岗的必修",
    )
    response = as_user(learner.user).get(MY_TRAINING)
    html = response.content.decode()
    assert response.context["assignments"] == []
    assert "二所的必修" not in html and "医疗岗的必修" not in html
    assert "本年度没有布置给您的必修课程" in html


def test_overdue_assignment_says_overdue(as_user, learner, course, facility_admin):
    assignment = assignment_create(
        course=course,
        unit=learner.unit,
        positions=None,
        training_year=year_of(learner),
        due_on=timezone.localdate() + timedelta(days=1),
        by=facility_admin,
    )
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    response = as_user(learner.user).get(MY_TRAINING)
    (row,) = response.context["assignments"]
    assert row["state"] == "overdue"
    assert "已逾期" in response.content.decode()


def test_a_completed_assignment_is_done_not_overdue(
    as_user, learner, course, lessons, facility_admin
):
    assignment = assignment_create(
        course=course,
        unit=learner.unit,
        positions=None,
        training_year=year_of(learner),
        due_on=timezone.localdate() + timedelta(days=1),
        by=facility_admin,
    )
    for lesson in lessons:
        complete(learner, lesson)
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    response = as_user(learner.user).get(MY_TRAINING)
    (row,) = response.context["assignments"]
    assert row["state_label"] == "已完成" and row["percent"] == 100
    assert "已逾期" not in response.content.decode()


def test_another_learners_hours_never_show(
    as_user, learner, people, lessons, facility_admin
):
    other = people["F1-C1"]
    complete(other, lessons[1])
    hours_adjust(
        learner=other,
        hours=Decimal("5"),
        reason="别人的补录",
        by=facility_admin,
        title="别人的调整",
    )
    for client_user, expected in [(learner, Decimal("0")), (other, Decimal("5.5"))]:
        response = as_user(client_user.user).get(MY_TRAINING)
        html = response.content.decode()
        assert response.context["ledger"].total == expected
        assert ("别人的调整" in html) is (client_user == other)
        assert (lessons[1].title in html) is (client_user == other)


def test_adjustment_and_exam_say_who_why_and_which_quiz(
    as_user, learner, facility_admin
):
    hours_adjust(
        learner=learner,
        hours=Decimal("3"),
        reason="参加省厅集中轮训",
        by=facility_admin,
    )
    exam = ExamFactory(slug="law-exam-2025", title="禁毒法考核")
    fact_credit_record(
        learner=ref(learner),
        kind=FactKind.QUIZ_PASSED,
        key="quiz:token-1",
        credit_key=f"exam:{exam.slug}",
        credit_reason=CreditReason.EXAM,
        hours=Decimal("2"),
        title=exam.title,
        quiz_code=exam.slug,
    )
    html = as_user(learner.user).get(MY_TRAINING).content.decode()
    assert f"由 {facility_admin.get_full_name()} 调整，原因：参加省厅集中轮训" in html
    detail = reverse("quizzes:detail", args=[exam.slug])
    assert f'考试 <a href="{detail}">law-exam-2025</a>' in html


def test_upcoming_exams_are_published_exams_not_closed(as_user, learner):
    now = timezone.now()
    ExamFactory(title="正在进行的考试", closes_at=now + timedelta(days=2))
    ExamFactory(title="下周的考试", opens_at=now + timedelta(days=7))
    ExamFactory(title="已结束的考试", closes_at=now - timedelta(days=1))
    ExamFactory(title="未发布的考试", is_published=False)
    html = as_user(learner.user).get(MY_TRAINING).content.decode()
    assert "正在进行的考试" in html and "下周的考试" in html
    assert "已结束的考试" not in html and "未发布的考试" not in html


def test_past_year_is_chosen_from_the_learners_own_years(
    as_user, learner, lessons, facility_admin
):
    last_year = year_of(learner) - 1
    complete(learner, lessons[0])
    fact_credit_record(
        learner=ref(learner),
        kind=FactKind.ADJUSTMENT,
        key="adjust:old",
        credit_key="adjust:old",
        credit_reason=CreditReason.ADJUSTMENT,
        hours=Decimal("4"),
        title="去年的补录",
        reason="补录",
        recorded_by=facility_admin,
        occurred_at=timezone.now().replace(year=last_year),
    )
    client = as_user(learner.user)
    response = client.get(MY_TRAINING, {"year": last_year})
    assert response.context["year"] == last_year
    assert response.context["ledger"].total == Decimal("4")
    assert lessons[0].title not in response.content.decode()
    assert response.context["years"] == [last_year + 1, last_year]
    # A year with nothing of theirs falls back to the current one.
    response = client.get(MY_TRAINING, {"year": "1999"})
    assert response.context["year"] == last_year + 1


def test_transcript_shows_totals_id_number_and_completed_courses(
    as_user, learner, lessons, course, facility_admin
):
    for lesson in lessons:
        complete(learner, lesson)
    hours_adjust(
        learner=learner, hours=Decimal("2"), reason="线下补录", by=facility_admin
    )
    response = as_user(learner.user).get(TRANSCRIPT)
    html = response.content.decode()
    assert response.status_code == 200
    assert learner.id_number in html and learner.real_name in html
    assert response.context["ledger"].total == Decimal("3.5")
    assert '<td class="num">3.5</td>' in html  # the total line
    assert '<td class="num">1.5</td>' in html  # of which: online lessons
    assert [c["title"] for c in response.context["completed_courses"]] == [course.title]
    assert "打印" in html and 'class="transcript-page"' in html
    assert "生成时间" in html


def test_no_learner_profile_gets_a_friendly_message(as_user, db):
    user = UserFactory()
    for url in (MY_TRAINING, TRANSCRIPT):
        response = as_user(user).get(url)
        assert response.status_code == 200
        assert "您的账号还没有学员档案" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    for url in (MY_TRAINING, TRANSCRIPT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_header_links_to_my_training(as_user, learner):
    html = as_user(learner.user).get(reverse("courses:my_profile")).content.decode()
    assert f'href="{MY_TRAINING}"' in html


def _credits(learner, lesson_pages, exams, admin, n):
    """n ledger lines of every kind: lessons, exams, classes, adjustments."""
    r = LearnerRef.of(learner)
    for i in range(n):
        kind = i % 4
        if kind == 0:
            fact_credit_record(
                learner=r,
                kind=FactKind.LESSON_COMPLETED,
                key=f"done:test{i}",
                credit_key=f"lesson:test{i}",
                credit_reason=CreditReason.LESSON,
                hours=Decimal("1"),
                title=f"课程{i}",
                lesson_id=lesson_pages[i % 2].pk,
            )
        elif kind == 1:
            exam = exams[i % len(exams)]
            fact_credit_record(
                learner=r,
                kind=FactKind.QUIZ_PASSED,
                key=f"quiz:t{i}",
                credit_key=f"exam:{exam.slug}:{i}",
                credit_reason=CreditReason.EXAM,
                hours=Decimal("2"),
                title=exam.title,
                quiz_code=exam.slug,
            )
        elif kind == 2:
            fact_credit_record(
                learner=r,
                kind=FactKind.ATTENDANCE,
                key=f"attend:S1:{i}",
                credit_key=f"attend:S1:{i}",
                credit_reason=CreditReason.OFFLINE,
                hours=Decimal("6"),
                title=f"培训班第{i}天",
            )
        else:
            hours_adjust(
                learner=learner, hours=Decimal("1"), reason=f"补录{i}", by=admin
            )


def test_dashboard_queries_do_not_grow_with_the_ledger(
    as_user, province, lessons, facility_admin
):
    exams = [ExamFactory() for _ in range(3)]
    counts = {}
    for n in (2, 20):
        learner = LearnerFactory(unit=province["F1-B1"])
        _credits(learner, lessons, exams, facility_admin, n)
        client = as_user(learner.user)
        client.get(MY_TRAINING)  # brings the aggregates up to date
        with CaptureQueriesContext(connection) as queries:
            response = client.get(MY_TRAINING)
        assert len(response.context["ledger"].lines) == n
        counts[n] = len(queries)
    assert counts[2] == counts[20], counts


def test_an_exam_that_shows_results_after_closing_does_not_say_passed(as_user, learner):
    now = timezone.now()
    shown = ExamFactory(title="交卷后公布", closes_at=now + timedelta(days=2))
    hidden = ExamFactory(
        title="结束后公布",
        closes_at=now + timedelta(days=2),
        review_policy=ReviewPolicy.AFTER_CLOSE,
    )
    for i, exam in enumerate([shown, hidden]):
        fact_credit_record(
            learner=ref(learner),
            kind=FactKind.QUIZ_PASSED,
            key=f"quiz:token-{i}",
            credit_key=f"exam:{exam.slug}",
            credit_reason=CreditReason.EXAM,
            hours=Decimal("2"),
            title=exam.title,
            quiz_code=exam.slug,
        )
    response = as_user(learner.user).get(MY_TRAINING)
    passed = {
        row["quiz"].title: row["passed"] for row in response.context["upcoming_exams"]
    }
    assert passed == {"交卷后公布": True, "结束后公布": False}
