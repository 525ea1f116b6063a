"""The completion report screens: figures, drill-down, filters and scope."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    Assignment,
    HourRequirement,
    LearnerProfile,
    LearnerYear,
    Position,
    TrainingPolicy,
)
from courses.models.roles import Role
from courses.services.learners import learner_create
from courses.services.records.aggregate import records_refresh_stale
from courses.services.records.facts import stale_mark
from courses.services.records.manual import assignment_create, hours_adjust
from courses.services.records.policy import current_training_year
from quizzes.models import Attempt
from quizzes.models.attempts import AttemptStatus
from reports.selectors import ReportFilters, unit_rollup
from tests.courses.test_course_pages import book_dir, site  # noqa: F401
from tests.courses.test_my_training import complete, course, lessons  # noqa: F401
from tests.factories import LearnerFactory
from tests.quizzes.factories import ExamFactory

HOME = reverse("reports:home")


def unit_url(code: str) -> str:
    return reverse("reports:unit", args=[code])


def exam_result(learner, quiz, percent: int, passed: bool) -> Attempt:
    now = timezone.now()
    return Attempt.objects.create(
        user=learner.user,
        quiz=quiz,
        number=Attempt.objects.filter(user=learner.user, quiz=quiz).count() + 1,
        status=AttemptStatus.MARKED,
        started_at=now - timedelta(minutes=30),
        submitted_at=now,
        marked_at=now,
        percent=Decimal(percent),
        passed=passed,
    )


@pytest.fixture
def report_data(province, people, course, lessons, bureau_admin):  # noqa: F811
    """Four learners: F1-B1 completed the assigned textbook (1.5 h) and has 3 h
    by hand and an exam passed at 80 then 90; F2-B1 has 10 h by hand and failed
    the exam at 40; the station's worker and F1-C1 have nothing. The textbook is
    assigned to the whole bureau and fell due yesterday. Requirement: 4 h."""
    year = current_training_year(learner=people["F1-B1"])
    policy = TrainingPolicy.objects.create(bureau=province["B"])
    for position in Position.objects.all():
        HourRequirement.objects.create(
            policy=policy, position=position, hours=Decimal("4")
        )
    assignment = assignment_create(
        course=course,
        unit=province["B"],
        positions=None,
        training_year=year,
        due_on=timezone.localdate() + timedelta(days=3),
        by=bureau_admin,
    )
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    for lesson in lessons:
        complete(people["F1-B1"], lesson)
    hours_adjust(
        learner=people["F1-B1"], hours=Decimal("3"), reason="集中轮训", by=bureau_admin
    )
    hours_adjust(
        learner=people["F2-B1"], hours=Decimal("10"), reason="集中轮训", by=bureau_admin
    )
    exam = ExamFactory()
    exam_result(people["F1-B1"], exam, 80, True)
    exam_result(people["F1-B1"], exam, 90, True)
    exam_result(people["F2-B1"], exam, 40, False)
    stale_mark(learner_ids=[learner.pk for learner in people.values()])
    records_refresh_stale()
    return {"year": year, "exam": exam}


def cells(html: str, unit_code: str) -> str:
    start = html.index(f'data-unit="{unit_code}"')
    return html[start : html.index("</tr>", start)]


def test_bureau_sees_every_facility_side_by_side(client, bureau_admin, report_data):
    client.force_login(bureau_admin)
    response = client.get(HOME)
    assert response.status_code == 200
    rows = {row.unit_code: row for row in response.context["rows"]}
    assert set(rows) == {"F1", "F2", "C1"}
    f1, f2, c1 = rows["F1"], rows["F2"], rows["C1"]
    assert (f1.headcount, f1.hours_total) == (2, Decimal("4.5"))
    assert f1.mandatory_assigned == 2 and f1.mandatory_completed == 1
    assert f1.completion_rate == 50.0 and f1.overdue_learners == 1
    assert f1.requirement_met == 1 and f1.requirement_met_rate == 50.0
    # One exam taken, counted once at its best attempt.
    assert (f1.exams_taken, f1.exams_passed, f1.score_avg) == (1, 1, 90.0)
    assert (f2.hours_total, f2.pass_rate, f2.score_avg) == (Decimal("10"), 0.0, 40.0)
    assert f2.overdue_learners == 1 and f2.requirement_met == 1
    assert (c1.headcount, c1.hours_total, c1.completion_rate) == (1, 0, 0.0)
    html = response.content.decode()
    assert "50.0%" in cells(html, "F1") and "2.2" in cells(html, "F1")
    assert "<svg" in html and "cdn" not in html.lower()


def test_drill_down_from_bureau_to_facility_to_people(
    client, bureau_admin, people, report_data
):
    client.force_login(bureau_admin)
    bureau = client.get(unit_url("B"))
    assert [row.unit_code for row in bureau.context["rows"]] == ["C1", "F1", "F2"]
    assert bureau.context["total"].headcount == 4
    assert bureau.context["total"].hours_total == Decimal("14.5")

    facility = client.get(unit_url("F1"))
    rows = {row.unit_code: row for row in facility.context["rows"]}
    assert rows["F1-B1"].hours_total == Decimal("4.5")
    assert rows["F1-C1"].hours_total == 0 and rows["F1-C1"].overdue_learners == 1
    assert [p.unit_name for p in facility.context["by_position"]]
    trend = dict(facility.context["trend_points"])
    assert sum(trend.values()) == Decimal("4.5")

    people_page = client.get(reverse("reports:unit_people", args=["F1"]))
    html = people_page.content.decode()
    learner = people["F1-B1"]
    assert reverse("courses:learner_detail", args=[learner.id_number]) in html
    listed = {row["id_number"]: row for row in people_page.context["page"].object_list}
    assert set(listed) == {learner.id_number, people["F1-C1"].id_number}
    assert listed[learner.id_number]["hours"] == Decimal("4.5")

    overdue = client.get(reverse("reports:unit_overdue", args=["F1"]))
    assert [row["id_number"] for row in overdue.context["page"].object_list] == [
        people["F1-C1"].id_number
    ]


def test_facility_admin_sees_their_facility_and_nothing_else(
    client, facility_admin, people, report_data
):
    client.force_login(facility_admin)
    home = client.get(HOME)
    assert [row.unit_code for row in home.context["rows"]] == ["F1"]
    assert client.get(unit_url("F1")).status_code == 200
    assert client.get(unit_url("F1-B1")).status_code == 200
    for code in ["F2", "F2-B1", "B", "C1", "C1-S1", "NOPE"]:
        assert client.get(unit_url(code)).status_code == 404, code
        assert (
            client.get(reverse("reports:unit_people", args=[code])).status_code == 404
        )
        assert (
            client.get(reverse("reports:unit_overdue", args=[code])).status_code == 404
        )
    html = home.content.decode()
    assert "第二强制隔离戒毒所" not in html and "某市禁毒办" not in html


def test_people_without_the_report_capability_are_refused(
    client, make_role_user, people, report_data
):
    assert client.get(HOME).status_code == 302  # to the login page
    client.force_login(people["F1-B1"].user)
    assert client.get(HOME).status_code == 403
    assert client.get(unit_url("F1")).status_code == 403
    client.force_login(make_role_user(Role.TRAINER, "F1"))
    assert client.get(HOME).status_code == 403


@pytest.mark.parametrize(
    "query, message",
    [
        ("year=9999", "超出可统计的范围"),
        ("year=abcd", "四位数字"),
        ("position=nope", "没有这个岗位"),
        ("identity=alien", "没有这种身份类型"),
        ("from=2026-05-01&to=2026-01-01", "开始日期晚于结束日期"),
        ("from=2026-13-45", "不是有效日期"),
        ("course=999999", "没有这门课程"),
    ],
)
def test_absurd_filters_get_a_clear_message(
    client, bureau_admin, report_data, query, message
):
    client.force_login(bureau_admin)
    response = client.get(f"{unit_url('F1')}?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()


def test_filters_by_position_identity_course_and_dates(
    client,
    bureau_admin,
    people,
    course,  # noqa: F811
    report_data,
):
    client.force_login(bureau_admin)
    learner = people["F1-B1"]
    position = learner.position
    other = Position.objects.exclude(pk=position.pk).first()
    LearnerFactory(unit=people["F1-B1"].unit, position=other)
    by_position = client.get(f"{unit_url('F1')}?position={position.code}")
    assert by_position.context["total"].headcount == (
        LearnerProfile.objects.filter(
            unit__path__startswith=learner.unit.path[:8], position=position
        ).count()
    )
    assert (
        by_position.context["total"].headcount
        < (
            LearnerProfile.objects.filter(unit__path__startswith=learner.unit.path[:8])
        ).count()
    )
    by_course = client.get(f"{unit_url('B')}?course={course.pk}")
    total = by_course.context["total"]
    # The newcomer above is assigned the course too (it is the whole bureau's).
    assert (total.mandatory_assigned, total.mandatory_completed) == (5, 1)
    assert total.overdue_learners == 4
    today = timezone.localdate()
    future = client.get(
        f"{unit_url('B')}?from={today + timedelta(days=1)}"
        f"&to={today + timedelta(days=9)}"
    )
    assert future.context["total"].hours_total == 0
    today_only = client.get(f"{unit_url('B')}?from={today}&to={today}")
    assert today_only.context["total"].hours_total == Decimal("14.5")


def test_report_pages_ask_the_same_number_of_queries_as_people_grow(
    client, bureau_admin, province, report_data
):
    client.force_login(bureau_admin)
    client.get(unit_url("B"))  # warm caches (policy, roles)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = {url: count(url) for url in [HOME, unit_url("B"), unit_url("F1")]}
    for number in range(30):
        LearnerFactory(unit=province["F1-B1" if number % 2 else "F2-B1"])
    after = {url: count(url) for url in before}
    assert after == before


def test_figures_equal_those_computed_from_the_ledger(
    bureau_admin, province, people, report_data
):
    """Hours from the credits, headcount from the people, exams from attempts."""
    from courses.models import HourCredit

    year = report_data["year"]
    total, rows = unit_rollup(
        user=bureau_admin, unit=province["B"], filters=ReportFilters(year=year)
    )
    for row in rows:
        path = province[row.unit_code].path
        credits = HourCredit.objects.filter(
            learner__unit__path__startswith=path, training_year=year
        )
        assert row.hours_total == sum(c.hours for c in credits), row.unit_code
        assert row.headcount == sum(
            1 for p in people.values() if p.unit.path.startswith(path)
        )
    assert LearnerYear.objects.filter(training_year=year).count() == len(people)
    assert total.exams_taken == 2 and total.exams_passed == 1


def test_a_failed_exam_released_later_counts_in_the_pass_rate(
    bureau_admin, province, people, report_data
):
    exam = ExamFactory()
    exam_result(people["C1-S1"], exam, 30, False)
    from courses.services.records.exams import attempt_marked_received

    attempt_marked_received(None, Attempt.objects.get(user=people["C1-S1"].user))
    records_refresh_stale()
    total, _rows = unit_rollup(
        user=bureau_admin,
        unit=province["C1"],
        filters=ReportFilters(year=report_data["year"]),
    )
    assert (total.exams_taken, total.exams_passed, total.pass_rate) == (1, 0, 0.0)


def test_a_new_person_is_counted_before_earning_an_hour(
    client, bureau_admin, province, report_data
):
    newcomer = learner_create(
        id_number="J-NEW-1",
        real_name="新入职民警",
        identity="officer",
        position=Position.objects.first(),
        unit=province["F2-B1"],
    )
    records_refresh_stale()
    client.force_login(bureau_admin)
    rows = {r.unit_code: r for r in client.get(unit_url("F2")).context["rows"]}
    assert rows["F2-B1"].headcount == 2
    assert LearnerYear.objects.filter(learner=newcomer).exists()
