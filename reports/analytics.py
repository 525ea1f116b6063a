"""Quiz and item analytics by unit, and the per-course report: the reads.

The quiz engine knows nothing of units. Its attempts are joined to the learner's
profile by user id (`Attempt.user → LearnerProfile.user`) and grouped by the
first `child_len` characters of the learner's current unit path, so the figures
of every child unit come from ONE grouped query whatever the number of units
(the tree is a materialised path: a child's path is its parent's plus
`OrgUnit.steplen` characters, and every learner below that child shares the
prefix). Learners sitting in the chosen unit itself form a row of their own.

Population of every quiz figure: attempts with status `marked` (each total
final, each item scored), of learners whose current unit lies in the chosen
unit's subtree. An exam whose review policy shows results only after it closes
is not reported before `quiz.closes_at`
(`courses.services.records.exams.result_released`, the training record's rule).

Who may see what comes only from `courses.selectors.scope`; the decision of
which capabilities open these screens is made once, in
`analytics_capabilities` and `course_report_capabilities`.
"""

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import reduce
from types import SimpleNamespace

from django.db.models import (
    Count,
    Exists,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast, Floor, Least, Substr
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Assignment,
    CoursePage,
    CourseProgress,
    LearnerProfile,
    LessonPage,
    LessonProgress,
    OrgUnit,
)
from courses.selectors.scope import (
    Capability,
    scope_root_paths,
    unit_scope_q,
    user_has_capability,
)
from courses.services.records.exams import result_released
from quizzes.html import html_text
from quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Grading,
    Question,
    QuestionKind,
    Quiz,
    QuizMode,
)
from quizzes.selectors.statistics import item_sums, pearson

# Quizzes whose figures compare units: the same paper for everyone. A daily
# drill draws from each learner's own wrong-answer book, so it is left out.
ANALYSED_MODES = (QuizMode.EXAM, QuizMode.PRACTICE)

# A knowledge point × unit cell is flagged weak when its correct rate is at
# least WEAK_MARGIN below the quiz's overall correct rate in the chosen unit,
# over at least WEAK_MIN_ITEMS answered items (fewer is noise, not weakness).
WEAK_MARGIN = 0.15
WEAK_MIN_ITEMS = 5

# The course report's score distribution: 10-point bands, the last with 100.
BANDS = 10


# ---- who may see what ----

# Quiz analytics: facility and bureau administrators read reports; trainers see
# people. Either opens the screens, each over the units it reaches.
ANALYTICS_CAPABILITIES = (Capability.VIEW_REPORTS, Capability.VIEW_PEOPLE)


def analytics_capabilities(user) -> tuple[Capability, ...]:
    """The capabilities that open quiz analytics to `user`, empty if none.

    VIEW_REPORTS first (administrators), VIEW_PEOPLE for trainers. The scope is
    the union of both: every role holding VIEW_REPORTS also holds VIEW_PEOPLE
    over the same unit, so an administrator loses nothing and gains nothing,
    and a user who is administrator of one facility and trainer in another sees
    both.
    """
    return tuple(
        capability
        for capability in ANALYTICS_CAPABILITIES
        if user_has_capability(user=user, capability=capability)
    )


def course_report_capabilities(user, course: CoursePage) -> tuple[Capability, ...]:
    """The capabilities under which `user` reads `course`'s report.

    Administrators with VIEW_REPORTS read every course over their scope; the
    course page's owner (Wagtail `page.owner`) reads their own course over
    their VIEW_PEOPLE scope. Empty: the course is not theirs to report on.
    """
    capabilities = []
    if user_has_capability(user=user, capability=Capability.VIEW_REPORTS):
        capabilities.append(Capability.VIEW_REPORTS)
    if (
        user.is_authenticated
        and course.owner_id == user.pk
        and user_has_capability(user=user, capability=Capability.VIEW_PEOPLE)
    ):
        capabilities.append(Capability.VIEW_PEOPLE)
    return tuple(capabilities)


def scope_q(user, capabilities, *, path_field: str = "path") -> Q:
    """Units reached by any of `capabilities` (a filter on `path_field`)."""
    if not capabilities:
        return Q(pk__in=[])
    conditions = [
        unit_scope_q(user=user, capability=capability, path_field=path_field)
        for capability in capabilities
    ]
    if not all(conditions):  # an empty Q is everything (a superuser)
        return Q()
    return reduce(operator.or_, conditions)


def scope_roots(user, capabilities) -> list[str] | None:
    """The top unit paths reached by any of `capabilities`; None: everything."""
    paths: list[str] = []
    for capability in capabilities:
        roots = scope_root_paths(user=user, capability=capability)
        if roots is None:
            return None
        paths.extend(roots)
    tops: list[str] = []
    for path in sorted(paths):  # an ancestor always comes before its subtree
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return tops


def default_unit(user, capabilities) -> OrgUnit | None:
    """The user's top unit in scope (the first, if several): where screens open."""
    roots = scope_roots(user, capabilities)
    units = OrgUnit.objects.all()
    if roots is not None:
        if not roots:
            return None
        units = units.filter(path=roots[0])
    return units.order_by("path").first()


def unit_in_scope(user, capabilities, code: str) -> OrgUnit | None:
    return OrgUnit.objects.filter(scope_q(user, capabilities)).filter(code=code).first()


def unit_ancestors_in_scope(user, capabilities, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors the user may open, top first (for breadcrumbs)."""
    step = OrgUnit.steplen
    paths = [unit.path[:end] for end in range(step, len(unit.path), step)]
    if not paths:
        return []
    return list(
        OrgUnit.objects.filter(path__in=paths)
        .filter(scope_q(user, capabilities))
        .order_by("path")
    )


def unit_children(unit: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(
            path__startswith=unit.path, depth=unit.depth + 1
        ).order_by("path")
    )


def _child_prefix(field_path: str, unit: OrgUnit) -> Substr:
    """The first characters of a unit path that name the child of `unit` it is
    under (or `unit`'s own path for learners sitting in `unit` itself)."""
    return Substr(field_path, 1, len(unit.path) + OrgUnit.steplen)


@dataclass(frozen=True)
class UnitColumn:
    """One child unit of the chosen unit, or (unit None) the unit itself."""

    path: str
    unit: OrgUnit | None  # None: learners sitting directly in the chosen unit
    own_unit: OrgUnit | None = None

    @property
    def name(self) -> str:
        if self.unit is not None:
            return self.unit.name
        return self.own_unit.name if self.own_unit else ""

    @property
    def is_direct(self) -> bool:
        return self.unit is None


def _columns(unit: OrgUnit, children: list[OrgUnit], paths_with_data) -> list:
    """Children in tree order, then the unit's own learners if they have data."""
    columns = [UnitColumn(path=child.path, unit=child) for child in children]
    if unit.path in paths_with_data:
        columns.append(UnitColumn(path=unit.path, unit=None, own_unit=unit))
    return columns


def _rate(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _pct(rate: float | None) -> float | None:
    """A 0–1 rate as a percentage, for display."""
    return None if rate is None else rate * 100


# ---- quiz analytics ----


def analysable_quizzes() -> QuerySet[Quiz]:
    return Quiz.objects.filter(mode__in=ANALYSED_MODES).order_by("-created_at", "id")


def quiz_results_released(quiz: Quiz, *, now: datetime | None = None) -> bool:
    """Whether `quiz`'s results may be reported yet: the training record's rule
    (an exam showing results only after it closes stays hidden until then)."""
    return result_released(attempt=SimpleNamespace(quiz=quiz), now=now)


def _marked_attempts() -> QuerySet[Attempt]:
    return Attempt.objects.filter(status=AttemptStatus.MARKED)


def quiz_attempt_counts(user, capabilities, quiz_ids) -> dict[int, dict]:
    """{quiz id: {"attempts", "learners"}}: marked attempts by learners in scope."""
    rows = (
        _marked_attempts()
        .filter(quiz_id__in=list(quiz_ids))
        .filter(scope_q(user, capabilities, path_field="user__learner__unit__path"))
        .values("quiz_id")
        .annotate(attempts=Count("id"), learners=Count("user_id", distinct=True))
        .order_by()
    )
    return {row["quiz_id"]: row for row in rows}


@dataclass
class QuizUnitRow:
    column: UnitColumn | None  # None: the chosen unit as a whole
    attempts: int = 0
    learners: int = 0
    passed_learners: int = 0
    percent_sum: float = 0.0

    @property
    def mean_percent(self) -> float | None:
        return _rate(self.percent_sum, self.attempts)

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.passed_learners, self.learners)

    @property
    def pass_pct(self) -> float | None:
        return _pct(self.pass_rate)


@dataclass
class Cell:
    items: int = 0
    correct: int = 0
    weak: bool = False
    column: UnitColumn | None = None

    @property
    def rate(self) -> float | None:
        return _rate(self.correct, self.items)

    @property
    def pct(self) -> float | None:
        return _pct(self.rate)


@dataclass
class KnowledgePointRow:
    name: str  # "" for items of questions without a knowledge point
    cells: list[Cell]
    total: Cell


@dataclass
class UnitItemStatistics:
    """Item statistics of one question, over the chosen unit's learners only
    (the definitions of `quizzes.selectors.statistics`)."""

    question_id: int
    position: int
    stem: str
    kind: str
    knowledge_points: list[str]
    attempts: int
    answered: int
    correct: int
    points: Decimal
    facility: float | None
    discrimination: float | None

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label

    @property
    def correct_rate(self) -> float | None:
        return _rate(self.correct, self.attempts)

    @property
    def correct_pct(self) -> float | None:
        return _pct(self.correct_rate)

    @property
    def discrimination_label(self) -> str:
        """The reading of `quizzes.selectors.statistics`'s thresholds."""
        r = self.discrimination
        if r is None:
            return str(_("无法计算"))
        if r >= 0.4:
            return str(_("良好"))
        if r >= 0.3:
            return str(_("尚可"))
        if r >= 0.2:
            return str(_("需修改"))
        return str(_("需检查答案"))


@dataclass
class QuizAnalytics:
    quiz: Quiz
    unit: OrgUnit
    released: bool
    columns: list[UnitColumn] = field(default_factory=list)
    rows: list[QuizUnitRow] = field(default_factory=list)
    total: QuizUnitRow = field(default_factory=lambda: QuizUnitRow(column=None))
    overall: Cell = field(default_factory=Cell)
    knowledge_points: list[KnowledgePointRow] = field(default_factory=list)
    items: list[UnitItemStatistics] = field(default_factory=list)

    @property
    def weak_threshold_pct(self) -> float | None:
        rate = self.overall.rate
        return None if rate is None else max(rate - WEAK_MARGIN, 0) * 100


def quiz_analytics(
    *,
    quiz: Quiz,
    unit: OrgUnit,
    children: list[OrgUnit],
    now: datetime | None = None,
) -> QuizAnalytics:
    """Every figure of the quiz analytics screen for `unit`, in four queries:
    the per-unit summary, the knowledge point × unit grid, the item sums and
    the question stems, whatever the number of units, questions or attempts.

    Per child unit (and the unit's own learners): marked attempts, distinct
    learners, average percent over the attempts, pass rate = learners with at
    least one passed attempt ÷ learners. Knowledge points come from the item's
    snapshot (the question as it was drawn); a question with two knowledge
    points counts for both; correct rate = items marked fully correct ÷ items.
    """
    result = QuizAnalytics(quiz=quiz, unit=unit, released=False)
    if not quiz_results_released(quiz, now=now):
        result.columns = _columns(unit, children, ())
        return result
    result.released = True

    learner_path = "user__learner__unit__path"
    attempts = _marked_attempts().filter(
        quiz=quiz, **{f"{learner_path}__startswith": unit.path}
    )
    summary = {
        row["child"]: row
        for row in attempts.annotate(child=_child_prefix(learner_path, unit))
        .values("child")
        .annotate(
            attempts=Count("id"),
            learners=Count("user_id", distinct=True),
            passed=Count("user_id", distinct=True, filter=Q(passed=True)),
            percent_sum=Sum(Cast("percent", FloatField())),
        )
        .order_by()
    }

    items = AttemptItem.objects.filter(
        attempt__quiz=quiz,
        attempt__status=AttemptStatus.MARKED,
        **{f"attempt__{learner_path}__startswith": unit.path},
    )
    grid = list(
        items.annotate(
            child=_child_prefix(f"attempt__{learner_path}", unit),
            points_of=KeyTransform("knowledge_points", "snapshot"),
        )
        .values("child", "points_of")
        .annotate(n=Count("id"), correct=Count("id", filter=Q(is_correct=True)))
        .order_by()
    )

    result.columns = _columns(
        unit, children, set(summary) | {row["child"] for row in grid}
    )
    for column in result.columns:
        row = summary.get(column.path, {})
        result.rows.append(
            QuizUnitRow(
                column=column,
                attempts=row.get("attempts", 0),
                learners=row.get("learners", 0),
                passed_learners=row.get("passed", 0),
                percent_sum=row.get("percent_sum") or 0.0,
            )
        )
    # Every learner sits in exactly one unit, so the columns add up.
    result.total = QuizUnitRow(
        column=None,
        attempts=sum(r.attempts for r in result.rows),
        learners=sum(r.learners for r in result.rows),
        passed_learners=sum(r.passed_learners for r in result.rows),
        percent_sum=sum(r.percent_sum for r in result.rows),
    )
    result.knowledge_points, result.overall = _knowledge_point_grid(
        grid, result.columns
    )
    result.items = _unit_item_statistics(items)
    return result


def _knowledge_point_grid(grid: list[dict], columns: list[UnitColumn]):
    index = {column.path: i for i, column in enumerate(columns)}
    cells: dict[str, list[Cell]] = defaultdict(
        lambda: [Cell(column=column) for column in columns]
    )
    overall = Cell()
    for row in grid:
        overall.items += row["n"]
        overall.correct += row["correct"]
        names = row["points_of"] or [""]
        for name in sorted(set(names)):
            cell = cells[name][index[row["child"]]]
            cell.items += row["n"]
            cell.correct += row["correct"]
    threshold = None if overall.rate is None else overall.rate - WEAK_MARGIN
    rows = []
    for name in sorted(cells, key=lambda n: (n == "", n)):
        total = Cell()
        for cell in cells[name]:
            total.items += cell.items
            total.correct += cell.correct
            cell.weak = (
                threshold is not None
                and cell.items >= WEAK_MIN_ITEMS
                and cell.rate < threshold
            )
        rows.append(KnowledgePointRow(name=name, cells=cells[name], total=total))
    return rows, overall


def _unit_item_statistics(items: QuerySet[AttemptItem]) -> list[UnitItemStatistics]:
    """`quizzes.selectors.statistics.quiz_item_statistics`'s facility and
    discrimination over `items` only. Grouped by question and the snapshot's
    knowledge points; the sums add up across a question's versions."""
    sums = ("n", "answered", "correct", "sx", "sy", "sxx", "syy", "sxy")
    by_question: dict[int, dict] = {}
    for row in (
        items.annotate(points_of=KeyTransform("knowledge_points", "snapshot"))
        .values("question_id", "points_of")
        .annotate(correct=Count("id", filter=Q(is_correct=True)), **item_sums())
        .order_by()
    ):
        seen = by_question.get(row["question_id"])
        if seen is None:
            by_question[row["question_id"]] = {
                **row,
                "points_of": set(row["points_of"] or []),
            }
            continue
        for key in sums:
            seen[key] = (seen[key] or 0) + (row[key] or 0)
        seen["max_points"] = max(seen["max_points"], row["max_points"])
        seen["first_position"] = min(seen["first_position"], row["first_position"])
        seen["points_of"] |= set(row["points_of"] or [])
    if not by_question:
        return []
    questions = {
        q["id"]: q
        for q in Question.objects.filter(pk__in=by_question).values(
            "id", "stem", "kind"
        )
    }
    result = []
    for qid, row in by_question.items():
        n = row["n"]
        question = questions.get(qid, {"stem": "", "kind": QuestionKind.SINGLE})
        result.append(
            UnitItemStatistics(
                question_id=qid,
                position=row["first_position"],
                stem=html_text(question["stem"]),
                kind=question["kind"],
                knowledge_points=sorted(row["points_of"]),
                attempts=n,
                answered=row["answered"],
                correct=row["correct"],
                points=row["max_points"],
                facility=(row["sx"] / n) if n else None,
                discrimination=pearson(
                    n, row["sx"], row["sy"], row["sxx"], row["syy"], row["sxy"]
                ),
            )
        )
    result.sort(key=lambda s: (s.position, s.question_id))
    return result


# ---- the course report ----


def reportable_courses(user) -> QuerySet[CoursePage]:
    """Courses whose report `user` may open: every course for a reader of
    reports, otherwise the courses they own (when they see people at all)."""
    courses = CoursePage.objects.all().order_by("path")
    if user_has_capability(user=user, capability=Capability.VIEW_REPORTS):
        return courses
    if user_has_capability(user=user, capability=Capability.VIEW_PEOPLE):
        return courses.filter(owner=user)
    return courses.none()


def course_years(course: CoursePage) -> set[int]:
    """Training years in which the course is (or was) assigned."""
    return set(
        Assignment.objects.filter(course=course)
        .order_by()
        .values_list("training_year", flat=True)
        .distinct()
    )


@dataclass
class CourseUnitRow:
    column: UnitColumn | None
    assigned: int = 0
    started: int = 0
    completed: int = 0

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completed, self.assigned)

    @property
    def completion_pct(self) -> float | None:
        return _pct(self.completion_rate)


@dataclass(frozen=True)
class Band:
    lower: int  # percent, inclusive
    upper: int  # percent, exclusive except for the last band
    count: int

    @property
    def is_last(self) -> bool:
        return self.upper == 100


@dataclass
class ExamDistribution:
    quiz: Quiz
    released: bool
    bands: list[Band] = field(default_factory=list)
    learners: int = 0
    passed: int = 0
    percent_sum: float = 0.0

    @property
    def mean_percent(self) -> float | None:
        return _rate(self.percent_sum, self.learners)

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.passed, self.learners)

    @property
    def pass_pct(self) -> float | None:
        return _pct(self.pass_rate)

    @property
    def largest(self) -> int:
        return max((band.count for band in self.bands), default=0)


@dataclass
class CourseReport:
    course: CoursePage
    unit: OrgUnit
    year: int
    assignments: int
    columns: list[UnitColumn]
    rows: list[CourseUnitRow]
    total: CourseUnitRow
    exam_code: str
    exam: ExamDistribution | None


def _assignments_reaching(course: CoursePage, unit: OrgUnit, year: int):
    """Live assignments of the course for `year` that reach someone in `unit`'s
    subtree: made to the unit, above it or inside it."""
    step = OrgUnit.steplen
    above = [unit.path[:end] for end in range(step, len(unit.path), step)]
    return (
        Assignment.objects.filter(
            course=course, training_year=year, withdrawn_at__isnull=True
        )
        .filter(Q(unit__path__startswith=unit.path) | Q(unit__path__in=above))
        .select_related("unit")
        .prefetch_related("positions")
    )


def _assigned_q(assignments) -> Q:
    """Learners reached by any of `assignments`: the rule of
    `courses.selectors.records.assigned_learners`, as one filter."""
    condition = Q(pk__in=[])
    for assignment in assignments:
        reach = Q(unit__path__startswith=assignment.unit.path)
        positions = [p.pk for p in assignment.positions.all()]
        if positions:
            reach &= Q(position_id__in=positions)
        condition |= reach
    return condition


def course_report(
    *,
    course: CoursePage,
    unit: OrgUnit,
    children: list[OrgUnit],
    year: int,
    now: datetime | None = None,
) -> CourseReport:
    """Per child unit of `unit`: learners the course is assigned to for `year`
    (live assignments reaching them, as `assigned_learners`), how many started
    it (opened one of its lessons, or completed it) and completed it
    (`CourseProgress.completed_at`); and the final exam's score distribution.

    A constant number of queries: the assignments (two), the grouped table
    (one), the final exam (one) and its distribution (one).
    """
    assignments = list(_assignments_reaching(course, unit, year))
    table: dict[str, dict] = {}
    if assignments:
        lessons = LessonPage.objects.filter(
            path__startswith=course.path, depth__gt=course.depth
        ).values("id")
        started = Exists(
            LessonProgress.objects.filter(
                learner_id=OuterRef("pk"), lesson_id_ref__in=lessons
            )
        )
        completed = Exists(
            CourseProgress.objects.filter(
                learner_id=OuterRef("pk"),
                course_id_ref=course.pk,
                completed_at__isnull=False,
            )
        )
        table = {
            row["child"]: row
            for row in LearnerProfile.objects.filter(unit__path__startswith=unit.path)
            .filter(_assigned_q(assignments))
            .annotate(child=_child_prefix("unit__path", unit))
            .values("child")
            .annotate(
                assigned=Count("id"),
                started=Count("id", filter=Q(started) | Q(completed)),
                completed=Count("id", filter=Q(completed)),
            )
            .order_by()
        }
    columns = _columns(unit, children, set(table))
    rows = [
        CourseUnitRow(
            column=column,
            assigned=table.get(column.path, {}).get("assigned", 0),
            started=table.get(column.path, {}).get("started", 0),
            completed=table.get(column.path, {}).get("completed", 0),
        )
        for column in columns
    ]
    total = CourseUnitRow(
        column=None,
        assigned=sum(r.assigned for r in rows),
        started=sum(r.started for r in rows),
        completed=sum(r.completed for r in rows),
    )
    exam = None
    if course.final_quiz_code:
        quiz = Quiz.objects.filter(slug=course.final_quiz_code).first()
        if quiz is not None:
            exam = exam_distribution(quiz=quiz, unit=unit, now=now)
    return CourseReport(
        course=course,
        unit=unit,
        year=year,
        assignments=len(assignments),
        columns=columns,
        rows=rows,
        total=total,
        exam_code=course.final_quiz_code,
        exam=exam,
    )


def _counted_attempts(quiz: Quiz) -> QuerySet[Attempt]:
    """One marked attempt per learner, by the quiz's grading: the best
    (ties: the later) or the last."""
    others = _marked_attempts().filter(quiz=quiz, user_id=OuterRef("user_id"))
    if quiz.grading == Grading.LAST:
        better = others.filter(number__gt=OuterRef("number"))
    else:
        better = others.filter(
            Q(percent__gt=OuterRef("percent"))
            | Q(percent=OuterRef("percent"), number__gt=OuterRef("number"))
        )
    return _marked_attempts().filter(quiz=quiz).filter(~Exists(better))


def exam_distribution(
    *, quiz: Quiz, unit: OrgUnit, now: datetime | None = None
) -> ExamDistribution:
    """How many learners of `unit`'s subtree fall in each 10-point band of the
    quiz, one result each (see `_counted_attempts`); nothing before release."""
    result = ExamDistribution(quiz=quiz, released=quiz_results_released(quiz, now=now))
    if not result.released:
        return result
    band = Least(
        Floor(Cast("percent", FloatField()) * BANDS / 100.0), Value(BANDS - 1.0)
    )
    counts: dict[int, int] = {}
    for row in (
        _counted_attempts(quiz)
        .filter(user__learner__unit__path__startswith=unit.path)
        .annotate(band=band)
        .values("band")
        .annotate(
            n=Count("id"),
            passed=Count("id", filter=Q(passed=True)),
            percent_sum=Sum(Cast("percent", FloatField())),
        )
        .order_by()
    ):
        counts[int(row["band"])] = row["n"]
        result.learners += row["n"]
        result.passed += row["passed"]
        result.percent_sum += row["percent_sum"] or 0.0
    width = 100 // BANDS
    result.bands = [
        Band(lower=i * width, upper=(i + 1) * width, count=counts.get(i, 0))
        for i in range(BANDS)
    ]
    return result
