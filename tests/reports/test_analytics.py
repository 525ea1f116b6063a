"""Quiz and item analytics by unit, and the per-course report.

Every figure on the screens is checked against the same figure computed here
directly from the attempts, assignments and progress rows, in plain Python;
then the scope matrix (each screen × users inside and outside scope, codes of
other units typed by hand), bad parameters, and a constant number of queries
whatever the number of units and questions.
"""

import math
import re
import statistics
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from courses.models import (
    Assignment,
    CourseIndexPage,
    CoursePage,
    CourseProgress,
    LearnerProfile,
    LessonPage,
    LessonProgress,
    OrgUnit,
    Position,
    UnitKind,
)
from courses.models.roles import Role
from courses.selectors.records import assigned_learners
from courses.services.records.policy import current_training_year
from quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    QuestionKind,
    Quiz,
    QuizMode,
    ReviewPolicy,
)
from quizzes.services import answer_save, attempt_start, attempt_submit
from reports.analytics import WEAK_MARGIN, WEAK_MIN_ITEMS
from tests.factories import LearnerFactory, UserFactory, unit_create
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    QuizFactory,
    quiz_add_questions,
)

pytestmark = pytest.mark.django_db

STEP = OrgUnit.steplen


# ---- building attempts through the quiz engine ----


def sit(quiz: Quiz, user, right: dict[int, bool], now=None) -> Attempt:
    """One submitted attempt: each question answered right or wrong as told."""
    now = now or timezone.now()
    attempt = attempt_start(quiz=quiz, user=user, now=now)
    for item in attempt.items.all():
        ok = right.get(item.question_id, False)
        snapshot = item.snapshot
        if item.kind == QuestionKind.TRUE_FALSE:
            response = {"value": snapshot["true_answer"] is ok}
        else:
            options = [o["id"] for o in snapshot["options"] if o["correct"] == ok]
            response = {"option": options[0]}
        answer_save(
            attempt=attempt,
            user=user,
            position=item.position,
            response=response,
            now=now,
        )
    attempt_submit(attempt=attempt, user=user, now=now)
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def questions(db):
    """Four questions: two on the Anti-Drug Law (one also on the regulations),
    one on the regulations, one with no knowledge point."""
    q1 = QuestionFactory(knowledge_points=["禁毒法"])
    q2 = QuestionFactory(knowledge_points=["禁毒法", "戒毒条例"])
    q3 = QuestionFactory(kind=QuestionKind.TRUE_FALSE, knowledge_points=["戒毒条例"])
    q4 = QuestionFactory()
    return [q1, q2, q3, q4]


@pytest.fixture
def quiz(questions):
    return quiz_add_questions(
        QuizFactory(slug="must-know", pass_mark=Decimal("60")), questions
    )


# (unit, [papers: (q1, q2, q3, q4) right or wrong]); a learner with two papers
# sat twice.
PAPERS = [
    ("F1-B1", [(1, 1, 1, 1)]),
    ("F1-B1", [(1, 0, 1, 0), (1, 1, 1, 0)]),
    ("F1-B1", [(0, 1, 0, 1)]),
    ("F1-C1", [(1, 1, 0, 0)]),
    ("F1-C1", [(0, 0, 0, 0), (1, 0, 0, 1)]),
    ("F1", [(1, 1, 1, 1)]),  # a facility leader, directly in the facility
    ("F2-B1", [(0, 0, 1, 1)]),
    ("F2-B1", [(0, 0, 1, 0)]),
    ("F2-B1", [(0, 0, 1, 1)]),
    ("C1-S1", [(1, 1, 1, 1)]),
]


@pytest.fixture
def sat(province, quiz, questions):
    """Everyone's papers, plus attempts that must not count: one still open and
    one by a trainer trying the quiz out (no learner profile)."""
    learners = []
    for number, (code, papers) in enumerate(PAPERS):
        learner = LearnerFactory(unit=province[code], real_name=f"学员{number}")
        for paper in papers:
            sit(
                quiz,
                learner.user,
                {q.pk: bool(ok) for q, ok in zip(questions, paper, strict=True)},
            )
        learners.append(learner)
    attempt_start(quiz=quiz, user=learners[0].user, now=timezone.now())
    sit(quiz, UserFactory(username="trying-out"), {q.pk: True for q in questions})
    return learners


# ---- the same figures, computed directly from the attempts ----


def unit_of_user() -> dict[int, str]:
    return dict(LearnerProfile.objects.values_list("user_id", "unit__path"))


def expected_units(quiz: Quiz, unit: OrgUnit) -> dict[str, dict]:
    paths = unit_of_user()
    groups: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in Attempt.objects.filter(quiz=quiz, status=AttemptStatus.MARKED):
        path = paths.get(attempt.user_id)
        if path and path.startswith(unit.path):
            groups[path[: len(unit.path) + STEP]].append(attempt)
    result = {}
    for prefix, attempts in groups.items():
        learners = {a.user_id for a in attempts}
        passed = {a.user_id for a in attempts if a.passed}
        result[prefix] = {
            "attempts": len(attempts),
            "learners": len(learners),
            "mean": float(sum(a.percent for a in attempts)) / len(attempts),
            "pass_rate": len(passed) / len(learners),
        }
    return result


def expected_cells(quiz: Quiz, unit: OrgUnit) -> dict[tuple[str, str], list[int]]:
    """{(knowledge point, child prefix): [items, correct]}; ("*", "*"): overall."""
    paths = unit_of_user()
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for item in AttemptItem.objects.filter(
        attempt__quiz=quiz, attempt__status=AttemptStatus.MARKED
    ).select_related("attempt"):
        path = paths.get(item.attempt.user_id)
        if not path or not path.startswith(unit.path):
            continue
        prefix = path[: len(unit.path) + STEP]
        for name in set(item.snapshot["knowledge_points"]) or {""}:
            cells[(name, prefix)][0] += 1
            cells[(name, prefix)][1] += int(bool(item.is_correct))
        cells[("*", "*")][0] += 1
        cells[("*", "*")][1] += int(bool(item.is_correct))
    return cells


def expected_items(quiz: Quiz, unit: OrgUnit) -> dict[int, dict]:
    paths = unit_of_user()
    by_question: dict[int, list[tuple[float, float]]] = defaultdict(list)
    correct: dict[int, int] = defaultdict(int)
    for item in AttemptItem.objects.filter(
        attempt__quiz=quiz, attempt__status=AttemptStatus.MARKED
    ).select_related("attempt"):
        if not paths.get(item.attempt.user_id, "-").startswith(unit.path):
            continue
        fraction = float(item.score / item.points)
        rest = float(item.attempt.score - item.score)
        by_question[item.question_id].append((fraction, rest))
        correct[item.question_id] += int(bool(item.is_correct))
    result = {}
    for qid, pairs in by_question.items():
        xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        try:
            r = statistics.correlation(xs, ys)
        except statistics.StatisticsError:
            r = None
        result[qid] = {
            "attempts": len(pairs),
            "facility": sum(xs) / len(xs),
            "discrimination": r,
            "correct": correct[qid],
        }
    return result


# ---- logins ----


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def row_cells(response, code: str) -> list[str]:
    """The text of the <td> cells of the table row of unit `code`."""
    html = response.content.decode()
    row = re.search(rf'<tr data-unit="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert row, code
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def quiz_url(slug="must-know", **params) -> str:
    url = reverse("reports:analytics_quiz", args=[slug])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{query}" if query else url


# ---- quiz analytics: the figures ----


@pytest.mark.parametrize("code", ["B", "F1", "F1-B1"])
def test_quiz_unit_figures_equal_those_computed_from_attempts(
    login, bureau_admin, province, quiz, sat, code
):
    unit = province[code]
    response = login(bureau_admin).get(quiz_url(unit=code))
    assert response.status_code == 200
    report = response.context["report"]
    expected = expected_units(quiz, unit)

    shown = {row.column.path: row for row in report.rows}
    children = OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
    # Every child is listed, with or without attempts.
    assert {c.path for c in children} <= set(shown)
    assert {p for p, row in shown.items() if row.attempts} == set(expected)
    for prefix, figures in expected.items():
        row = shown[prefix]
        assert row.attempts == figures["attempts"]
        assert row.learners == figures["learners"]
        assert row.mean_percent == pytest.approx(figures["mean"])
        assert row.pass_rate == pytest.approx(figures["pass_rate"])
    assert report.total.attempts == sum(f["attempts"] for f in expected.values())
    assert report.total.learners == sum(f["learners"] for f in expected.values())

    # The page says the same.
    codes = dict(OrgUnit.objects.values_list("path", "code"))
    for prefix, figures in expected.items():
        cells = row_cells(response, codes[prefix])
        assert cells == [
            str(figures["attempts"]),
            str(figures["learners"]),
            f"{figures['mean']:.1f}%",
            f"{figures['pass_rate'] * 100:.1f}%",
        ]


def test_bureau_figures_by_facility_hand_counted(login, bureau_admin, quiz, sat):
    """The same figures once by hand, so the helper above is checked too."""
    report = login(bureau_admin).get(quiz_url(unit="B")).context["report"]
    by_code = {row.column.unit.code: row for row in report.rows if row.column.unit}
    f1, f2, office = by_code["F1"], by_code["F2"], by_code["C1"]
    # F1: 6 learners, 8 papers. Percents: 100, 50, 75, 50, 50, 0, 50, 100.
    assert (f1.attempts, f1.learners) == (8, 6)
    assert f1.mean_percent == pytest.approx(475 / 8)
    # Passed (≥ 60 %) at least once: learners 0, 1 (75 %), 5.
    assert f1.pass_rate == pytest.approx(3 / 6)
    assert (f2.attempts, f2.learners, f2.passed_learners) == (3, 3, 0)
    assert f2.mean_percent == pytest.approx((50 + 25 + 50) / 3)
    assert (office.attempts, office.learners, office.pass_rate) == (1, 1, 1.0)
    # The open attempt and the trainer's try-out count nowhere.
    assert report.total.attempts == 12


def test_knowledge_point_grid_equals_the_items_and_flags_weak_units(
    login, bureau_admin, province, quiz, sat
):
    report = login(bureau_admin).get(quiz_url(unit="B")).context["report"]
    expected = expected_cells(quiz, province["B"])
    overall_items, overall_correct = expected[("*", "*")]
    assert (report.overall.items, report.overall.correct) == (
        overall_items,
        overall_correct,
    )
    threshold = overall_correct / overall_items - WEAK_MARGIN
    assert [kp.name for kp in report.knowledge_points] == ["戒毒条例", "禁毒法", ""]
    flagged = set()
    for kp in report.knowledge_points:
        for cell in kp.cells:
            items, correct = expected.get((kp.name, cell.column.path), [0, 0])
            assert (cell.items, cell.correct) == (items, correct)
            should = items >= WEAK_MIN_ITEMS and correct / items < threshold
            assert cell.weak is should
            if cell.weak:
                flagged.add((kp.name, cell.column.name))
    # The second facility got every Anti-Drug Law question wrong (6 items).
    assert flagged == {("禁毒法", "第二强制隔离戒毒所")}
    html = login(bureau_admin).get(quiz_url(unit="B")).content.decode()
    assert html.count('class="num weak"') == 1
    assert "偏弱" in html


def test_item_statistics_cover_only_the_chosen_units_learners(
    login, facility_admin, province, quiz, sat, questions
):
    report = login(facility_admin).get(quiz_url(unit="F1")).context["report"]
    expected = expected_items(quiz, province["F1"])
    assert [s.question_id for s in report.items] == [q.pk for q in questions]
    for stats in report.items:
        figures = expected[stats.question_id]
        assert stats.attempts == figures["attempts"] == 8
        assert stats.correct == figures["correct"]
        assert stats.facility == pytest.approx(figures["facility"])
        if figures["discrimination"] is None:
            assert stats.discrimination is None
        else:
            assert stats.discrimination == pytest.approx(figures["discrimination"])
    assert report.items[1].knowledge_points == ["戒毒条例", "禁毒法"]
    assert not math.isclose(
        report.items[0].facility,
        expected_items(quiz, province["B"])[questions[0].pk]["facility"],
    )


def test_exam_results_hidden_until_close_are_not_reported(
    login, bureau_admin, province, questions
):
    now = timezone.now()
    exam = quiz_add_questions(
        ExamFactory(
            slug="year-exam",
            review_policy=ReviewPolicy.AFTER_CLOSE,
            closes_at=now + timedelta(days=1),
        ),
        questions,
    )
    learner = LearnerFactory(unit=province["F1-B1"])
    sit(exam, learner.user, {q.pk: True for q in questions}, now=now)
    assert Attempt.objects.get(quiz=exam).status == AttemptStatus.MARKED

    client = login(bureau_admin)
    response = client.get(quiz_url("year-exam", unit="B"))
    assert response.status_code == 200
    assert response.context["report"].released is False
    assert response.context["report"].rows == []
    html = response.content.decode()
    assert 'id="not-released"' in html and 'id="by-unit"' not in html

    Quiz.objects.filter(pk=exam.pk).update(closes_at=now - timedelta(minutes=1))
    report = client.get(quiz_url("year-exam", unit="B")).context["report"]
    assert report.released and report.total.attempts == 1


def test_quiz_list_counts_only_attempts_in_scope(login, facility_admin, quiz, sat):
    QuizFactory(slug="daily", mode=QuizMode.DRILL)
    response = login(facility_admin).get(reverse("reports:analytics_quizzes"))
    assert response.status_code == 200
    rows = {row["quiz"].slug: row for row in response.context["rows"]}
    assert "daily" not in rows  # a drill is each learner's own paper
    assert (rows["must-know"]["attempts"], rows["must-know"]["learners"]) == (8, 6)
    assert reverse("reports:analytics_quiz", args=["must-know"]) in (
        response.content.decode()
    )


# ---- quiz analytics: who sees what ----


@pytest.fixture
def trainer_f1(make_role_user):
    return make_role_user(Role.TRAINER, "F1", username="trainer-f1")


@pytest.fixture
def trainer_f2(make_role_user):
    return make_role_user(Role.TRAINER, "F2-B1", username="trainer-f2")


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("bureau_admin", "B", 200),
        ("bureau_admin", "F2-B1", 200),
        ("facility_admin", "F1", 200),
        ("facility_admin", "F1-C1", 200),
        ("facility_admin", "F2", 404),
        ("facility_admin", "F2-B1", 404),
        ("facility_admin", "B", 404),
        ("facility_admin", "C1-S1", 404),
        ("facility_admin", "NO-SUCH-UNIT", 404),
        ("trainer_f1", "F1", 200),
        ("trainer_f1", "F1-B1", 200),
        ("trainer_f1", "F2", 404),
        ("trainer_f2", "F2-B1", 200),
        ("trainer_f2", "F2", 404),
        ("trainer_f2", "F1-B1", 404),
    ],
)
def test_quiz_analytics_scope_matrix(request, login, quiz, sat, who, code, status):
    user = request.getfixturevalue(who)
    response = login(user).get(quiz_url(unit=code))
    assert response.status_code == status
    if status == 404:
        html = response.content.decode()
        assert "第一强制隔离戒毒所" not in html and "第二强制隔离戒毒所" not in html


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        ("bureau_admin", "B"),
        ("facility_admin", "F1"),
        ("trainer_f1", "F1"),
        ("trainer_f2", "F2-B1"),
    ],
)
def test_quiz_analytics_opens_on_the_top_unit_in_scope(
    request, login, quiz, sat, who, unit
):
    user = request.getfixturevalue(who)
    response = login(user).get(quiz_url())
    assert response.context["unit"].code == unit
    # Nothing above the user's scope is offered.
    assert response.context["ancestors"] == []


def test_facility_admin_breadcrumbs_stop_at_the_facility(
    login, facility_admin, quiz, sat
):
    response = login(facility_admin).get(quiz_url(unit="F1-B1"))
    assert [a.code for a in response.context["ancestors"]] == ["F1"]
    assert "某省戒毒管理局" not in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["analytics_quizzes", "analytics_quiz", "analytics_courses", "analytics_course"],
)
def test_anonymous_goes_to_login_and_a_learner_is_refused(
    client, province, quiz, course, url_name
):
    args = {"analytics_quiz": ["must-know"], "analytics_course": [course.pk]}
    url = reverse(f"reports:{url_name}", args=args.get(url_name, []))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    learner = LearnerFactory(unit=province["F1-B1"])
    client.force_login(learner.user)
    assert client.get(url).status_code == 403


def test_unknown_or_drill_quiz_is_404(login, bureau_admin, quiz):
    QuizFactory(slug="daily", mode=QuizMode.DRILL)
    client = login(bureau_admin)
    assert client.get(quiz_url("no-such-quiz")).status_code == 404
    assert client.get(quiz_url("daily")).status_code == 404


# ---- the course report ----


@pytest.fixture
def course_owner(make_role_user):
    return make_role_user(Role.TRAINER, "F1", username="course-owner")


@pytest.fixture
def course(db, course_owner):
    root = Page.objects.get(depth=1)
    index = root.add_child(instance=CourseIndexPage(title="课程", slug="k-courses"))
    course = index.add_child(
        instance=CoursePage(
            title="禁毒法律法规",
            slug="k-law",
            owner=course_owner,
            final_quiz_code="law-final",
        )
    )
    for number in (1, 2):
        course.add_child(
            instance=LessonPage(title=f"第{number}课", slug=f"k-law-{number}")
        )
    return CoursePage.objects.get(pk=course.pk)


@pytest.fixture
def year(province):
    return current_training_year(unit_path=province["B"].path)


def position(code: str) -> Position:
    return Position.objects.get(code=code)


@pytest.fixture
def course_data(province, course, year, bureau_admin):
    """Learners across the province; assignments for this year (to F1 for
    everyone, to F2-B1 for medical staff only), and ones that must not count
    (withdrawn; another year); lesson and course progress; final exam papers."""
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))
    due = timezone.localdate() + timedelta(days=30)

    def assign(unit, *, training_year=year, positions=(), withdrawn=False):
        assignment = Assignment.objects.create(
            course=course,
            course_title=course.title,
            unit=province[unit],
            training_year=training_year,
            due_on=due,
            assigned_by=bureau_admin,
            withdrawn_at=timezone.now() if withdrawn else None,
        )
        assignment.positions.set(positions)
        return assignment

    assign("F1")
    assign("F2-B1", positions=[position("medical")])
    assign("C1", withdrawn=True)
    assign("F2", training_year=year - 1)

    # (unit, position, opened a lesson, completed)
    people = [
        ("F1-B1", "education", True, True),
        ("F1-B1", "education", True, False),
        ("F1-B1", "medical", False, False),
        ("F1-C1", "psychology", True, True),
        ("F1-C1", "psychology", False, True),  # finished by the exam alone
        ("F1", "management", False, False),
        ("F2-B1", "medical", True, True),
        ("F2-B1", "medical", False, False),
        ("F2-B1", "education", True, True),  # not assigned: another position
        ("C1-S1", "education", True, True),  # only a withdrawn assignment
    ]
    learners = []
    for unit, code, opened, done in people:
        learner = LearnerFactory(unit=province[unit], position=position(code))
        if opened:
            LessonProgress.objects.create(
                learner=learner, lesson_id_ref=lessons[0].pk, seconds=600
            )
        CourseProgress.objects.create(
            learner=learner,
            course_id_ref=course.pk,
            required_lessons=2,
            completed_lessons=2 if done else int(opened),
            completed_at=timezone.now() if done else None,
        )
        learners.append(learner)

    exam = ExamFactory(slug="law-final", pass_mark=Decimal("60"))
    # (learner index, [percents of marked attempts in order])
    papers = {
        0: ["85", "95"],
        1: ["59.99"],
        2: ["60"],
        3: ["100"],
        4: ["70", "40"],  # best of two counts: 70
        6: ["9.5"],
        7: ["90"],
        9: ["10"],
    }
    started = timezone.now() - timedelta(days=1)
    for index, percents in papers.items():
        for number, percent in enumerate(percents, start=1):
            value = Decimal(percent)
            Attempt.objects.create(
                user=learners[index].user,
                quiz=exam,
                number=number,
                status=AttemptStatus.MARKED,
                started_at=started,
                submitted_at=started,
                marked_at=started,
                score=value,
                max_score=Decimal("100"),
                percent=value,
                passed=value >= exam.pass_mark,
            )
    # Waiting for an essay to be marked: not counted.
    Attempt.objects.create(
        user=learners[5].user,
        quiz=exam,
        number=1,
        status=AttemptStatus.NEEDS_MARKING,
        started_at=started,
        submitted_at=started,
        max_score=Decimal("100"),
    )
    return learners


def course_url(course, **params) -> str:
    url = reverse("reports:analytics_course", args=[course.pk])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{query}" if query else url


def expected_completion(course, unit: OrgUnit, year: int) -> dict[str, list[int]]:
    """{child prefix: [assigned, started, completed]} from assigned_learners."""
    assigned = set()
    for assignment in Assignment.objects.filter(
        course=course, training_year=year, withdrawn_at__isnull=True
    ):
        assigned |= set(assigned_learners(assignment=assignment))
    lesson_ids = set(
        LessonPage.objects.descendant_of(course).values_list("id", flat=True)
    )
    opened = set(
        LessonProgress.objects.filter(lesson_id_ref__in=lesson_ids).values_list(
            "learner_id", flat=True
        )
    )
    done = set(
        CourseProgress.objects.filter(
            course_id_ref=course.pk, completed_at__isnull=False
        ).values_list("learner_id", flat=True)
    )
    result: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for learner in assigned:
        path = learner.unit.path
        if not path.startswith(unit.path):
            continue
        row = result[path[: len(unit.path) + STEP]]
        row[0] += 1
        row[1] += int(learner.pk in opened or learner.pk in done)
        row[2] += int(learner.pk in done)
    return result


def expected_bands(unit: OrgUnit) -> list[int]:
    best: dict[int, Decimal] = {}
    paths = unit_of_user()
    for attempt in Attempt.objects.filter(
        quiz__slug="law-final", status=AttemptStatus.MARKED
    ):
        if paths[attempt.user_id].startswith(unit.path):
            best[attempt.user_id] = max(best.get(attempt.user_id, 0), attempt.percent)
    bands = [0] * 10
    for percent in best.values():
        bands[min(int(percent // 10), 9)] += 1
    return bands


@pytest.mark.parametrize("code", ["B", "F1", "F2", "C1"])
def test_course_completion_equals_the_assignments_and_progress(
    login, bureau_admin, province, course, course_data, year, code
):
    unit = province[code]
    response = login(bureau_admin).get(course_url(course, unit=code, year=year))
    assert response.status_code == 200
    report = response.context["report"]
    expected = expected_completion(course, unit, year)
    shown = {row.column.path: row for row in report.rows}
    for prefix, row in shown.items():
        assert [row.assigned, row.started, row.completed] == expected.get(
            prefix, [0, 0, 0]
        )
    assert set(expected) <= set(shown)
    codes = dict(OrgUnit.objects.values_list("path", "code"))
    for prefix, (assigned, started, completed) in expected.items():
        rate = f"{completed / assigned * 100:.1f}%" if assigned else "—"
        assert row_cells(response, codes[prefix]) == [
            str(assigned),
            str(started),
            str(completed),
            rate,
        ]
    totals = [sum(column) for column in zip(*expected.values(), strict=True)] or [
        0,
        0,
        0,
    ]
    assert [report.total.assigned, report.total.started, report.total.completed] == (
        totals
    )


def test_course_completion_hand_counted(login, bureau_admin, course, course_data, year):
    report = (login(bureau_admin).get(course_url(course, unit="B", year=year)).context)[
        "report"
    ]
    by_code = {row.column.unit.code: row for row in report.rows}
    # F1: all six assigned; started: 0, 1, 3, 4 (by completion); done: 0, 3, 4.
    assert (by_code["F1"].assigned, by_code["F1"].started) == (6, 4)
    assert by_code["F1"].completed == 3
    assert by_code["F1"].completion_rate == pytest.approx(0.5)
    # F2: only the two medical staff of F2-B1; last year's assignment is out.
    assert (by_code["F2"].assigned, by_code["F2"].completed) == (2, 1)
    # The office's only assignment was withdrawn.
    assert by_code["C1"].assigned == 0
    assert by_code["C1"].completion_rate is None
    html = login(bureau_admin).get(course_url(course, unit="B", year=year))
    assert "50.0%" in html.content.decode()


@pytest.mark.parametrize("code", ["B", "F1"])
def test_final_exam_distribution_equals_the_attempts(
    login, bureau_admin, province, course, course_data, year, code
):
    response = login(bureau_admin).get(course_url(course, unit=code, year=year))
    exam = response.context["report"].exam
    bands = expected_bands(province[code])
    assert [band.count for band in exam.bands] == bands
    assert exam.learners == sum(bands)
    html = response.content.decode()
    # The chart is inline SVG, and its numbers are in a table too.
    assert "<svg" in html and 'src="http' not in html and "//cdn" not in html
    assert 'role="img"' in html and "<caption>" in html
    for band in exam.bands:
        row = re.search(rf'<tr data-band="{band.lower}">(.*?)</tr>', html, re.S)
        assert re.sub(r"<[^>]+>", "", row.group(1)).split() == [
            f"{band.lower}–{band.upper}%",
            str(band.count),
        ]


def test_final_exam_distribution_hand_counted(
    login, bureau_admin, course, course_data, year
):
    exam = (
        login(bureau_admin)
        .get(course_url(course, unit="F1", year=year))
        .context["report"]
        .exam
    )
    # F1: best 95, 59.99, 60, 100, 70 → bands 9, 5, 6, 9 (100 in the last), 7.
    assert [b.count for b in exam.bands] == [0, 0, 0, 0, 0, 1, 1, 1, 0, 2]
    assert exam.bands[-1].is_last
    assert exam.passed == 4
    assert exam.mean_percent == pytest.approx((95 + 59.99 + 60 + 100 + 70) / 5)


def test_a_final_exam_hidden_until_close_shows_no_distribution(
    login, bureau_admin, course, course_data, year
):
    Quiz.objects.filter(slug="law-final").update(
        review_policy=ReviewPolicy.AFTER_CLOSE,
        closes_at=timezone.now() + timedelta(days=1),
    )
    response = login(bureau_admin).get(course_url(course, unit="B", year=year))
    exam = response.context["report"].exam
    assert exam.released is False and exam.bands == []
    html = response.content.decode()
    assert 'id="not-released"' in html and "<svg" not in html


def test_missing_final_exam_is_said_plainly(login, bureau_admin, course, year):
    CoursePage.objects.filter(pk=course.pk).update(final_quiz_code="gone")
    response = login(bureau_admin).get(course_url(course, year=year))
    assert response.status_code == 200
    assert "在题库中找不到" in response.content.decode()


# ---- the course report: who sees what, and bad parameters ----


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("bureau_admin", "B", 200),
        ("bureau_admin", "F2", 200),
        ("facility_admin", "F1", 200),
        ("facility_admin", "F1-B1", 200),
        ("facility_admin", "F2", 404),
        ("facility_admin", "B", 404),
        ("course_owner", "F1", 200),
        ("course_owner", "F1-C1", 200),
        ("course_owner", "F2", 404),
        ("course_owner", "B", 404),
        ("trainer_f2", "F2-B1", 404),  # sees people, but not the owner
        ("trainer_f1", "F1", 404),
        ("bureau_admin", "NO-SUCH-UNIT", 404),
    ],
)
def test_course_report_scope_matrix(
    request, login, course, course_data, year, who, code, status
):
    user = request.getfixturevalue(who)
    response = login(user).get(course_url(course, unit=code, year=year))
    assert response.status_code == status


def test_course_list_shows_admins_every_course_and_trainers_their_own(
    login, course, bureau_admin, course_owner, trainer_f2
):
    url = reverse("reports:analytics_courses")
    for user, seen in [(bureau_admin, True), (course_owner, True), (trainer_f2, False)]:
        response = login(user).get(url)
        assert response.status_code == 200
        assert (course in list(response.context["page"])) is seen
        detail = reverse("reports:analytics_course", args=[course.pk])
        assert (detail in response.content.decode()) is seen


@pytest.mark.parametrize(
    ("year_param", "message"),
    [
        ("9999", "培训年度应在"),
        ("1900", "培训年度应在"),
        ("abc", "培训年度应为四位数字的年份"),
    ],
)
def test_absurd_year_gets_a_clear_message(
    login, bureau_admin, course, year_param, message
):
    response = login(bureau_admin).get(course_url(course, year=year_param))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="completion"' not in html


def test_unknown_course_is_404(login, bureau_admin, course):
    client = login(bureau_admin)
    assert (
        client.get(reverse("reports:analytics_course", args=[99999])).status_code == 404
    )
    # A page that is not a course is not a course either.
    assert (
        client.get(
            reverse("reports:analytics_course", args=[course.get_parent().pk])
        ).status_code
        == 404
    )


def test_a_year_without_assignments_says_so(login, bureau_admin, course, year):
    response = login(bureau_admin).get(course_url(course, year=year - 5))
    assert response.status_code == 200
    assert 'id="no-assignments"' in response.content.decode()
    assert response.context["report"].total.assigned == 0


# ---- queries per page: constant whatever the number of units and questions ----


def _more_of_everything(province, quiz, course, year, bureau_admin, n: int):
    """n more facilities, each with a brigade and two learners who sit the quiz
    and the final exam; one more question; one more assignment per facility."""
    extra = QuestionFactory(knowledge_points=[f"新知识点{n}"])
    quiz_add_questions(quiz, [extra])
    for i in range(n):
        facility = unit_create(
            code=f"X{n}-{i}",
            name=f"新所{n}-{i}",
            kind=UnitKind.FACILITY,
            parent=OrgUnit.objects.get(pk=province["B"].pk),
        )
        brigade = unit_create(
            code=f"X{n}-{i}-B",
            name=f"新所{n}-{i}大队",
            kind=UnitKind.BRIGADE,
            parent=facility,
        )
        Assignment.objects.create(
            course=course,
            course_title=course.title,
            unit=facility,
            training_year=year,
            due_on=timezone.localdate(),
            assigned_by=bureau_admin,
        )
        for _ in range(2):
            learner = LearnerFactory(unit=brigade)
            sit(quiz, learner.user, {extra.pk: True})
            Attempt.objects.create(
                user=learner.user,
                quiz=Quiz.objects.get(slug="law-final"),
                number=1,
                status=AttemptStatus.MARKED,
                started_at=timezone.now(),
                score=Decimal("80"),
                max_score=Decimal("100"),
                percent=Decimal("80"),
                passed=True,
            )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_queries_per_page_do_not_grow_with_units_or_questions(
    login,
    django_assert_max_num_queries,
    province,
    quiz,
    sat,
    course,
    course_data,
    year,
    bureau_admin,
):
    client = login(bureau_admin)
    urls = [
        quiz_url(unit="B"),
        course_url(course, unit="B", year=year),
        reverse("reports:analytics_quizzes"),
        reverse("reports:analytics_courses"),
    ]
    for url in urls:  # the first request also fills per-session caches
        client.get(url)
    before = [_queries(client, url) for url in urls]
    _more_of_everything(province, quiz, course, year, bureau_admin, n=4)
    after = [_queries(client, url) for url in urls]
    assert after == before
    # And the pages stay small: session, user, roles, then a handful each.
    for url in urls:
        with django_assert_max_num_queries(16):
            client.get(url)
    report = client.get(quiz_url(unit="B")).context["report"]
    assert len(report.rows) == 3 + 4 and len(report.items) == 5
