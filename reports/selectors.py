"""What the report screens, exports and API read: one place for every figure.

Figures come from the aggregates the training record keeps (`LearnerYear`,
`UnitMonth`), never from raw facts per request, so a roll-up of a whole country
is one grouped query over one row per learner. Each unit's row counts the people
who belong to it now (its subtree), with their figures for the training year.

Scope: a report is asked for a unit; `report_unit_get` refuses (404) a unit
outside the user's `Capability.VIEW_REPORTS` scope, and everything below that
unit is in scope too, because scope is always a whole subtree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Substr, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    Assignment,
    CourseProgress,
    HourCredit,
    LearnerProfile,
    OrgUnit,
    Position,
    UnitKind,
    UnitMonth,
)
from courses.models.learners import IdentityKind
from courses.models.pages import CoursePage
from courses.selectors.scope import Capability, scope_root_paths, unit_is_in_scope

ZERO = Decimal("0")
FIRST_YEAR = 2000
STEP = OrgUnit.steplen


class ReportError(ValueError):
    """A filter the report cannot use; its text is shown to the user."""


@dataclass(frozen=True)
class ReportFilters:
    year: int
    position_ids: tuple[int, ...] = ()
    identities: tuple[str, ...] = ()
    course_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_params(self) -> dict[str, list[str]]:
        """The query string that gives these filters back (links, exports)."""
        params: dict[str, list[str]] = {"year": [str(self.year)]}
        if self.position_ids:
            codes = dict(Position.objects.values_list("id", "code"))
            params["position"] = [codes[pk] for pk in self.position_ids if pk in codes]
        if self.identities:
            params["identity"] = list(self.identities)
        if self.course_id:
            params["course"] = [str(self.course_id)]
        if self.date_from:
            params["from"] = [self.date_from.isoformat()]
        if self.date_to:
            params["to"] = [self.date_to.isoformat()]
        return params

    @property
    def by_learner(self) -> bool:
        """Whether the figures depend on who the learners are (not only where)."""
        return bool(
            self.position_ids
            or self.identities
            or self.course_id
            or self.date_from
            or self.date_to
        )


def _values(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        raw = params.get(name) or []
        raw = [raw] if isinstance(raw, str) else list(raw)
    # "a,b" and repeated parameters both work; blanks are ignored.
    return [
        part.strip() for value in raw for part in str(value).split(",") if part.strip()
    ]


def _date(params: Mapping, name: str, label: str) -> date | None:
    values = _values(params, name)
    if not values:
        return None
    try:
        day = date.fromisoformat(values[0])
    except ValueError:
        raise ReportError(
            _("%(label)s“%(value)s”不是有效日期，请按 2026-03-01 的格式填写。")
            % {"label": label, "value": values[0]}
        ) from None
    if not FIRST_YEAR <= day.year <= timezone.localdate().year + 1:
        raise ReportError(_("%(label)s超出可统计的范围。") % {"label": label})
    return day


def default_year(user) -> int:
    """The current training year under the policy of the user's first report root."""
    from courses.services.records.policy import current_training_year

    roots = scope_root_paths(user=user, capability=Capability.VIEW_REPORTS)
    return current_training_year(unit_path=roots[0] if roots else "")


def filters_from_params(params: Mapping, *, user) -> ReportFilters:
    """Read the report filters from a query string, or say in Chinese what is wrong."""
    years = _values(params, "year")
    if years:
        try:
            year = int(years[0])
        except ValueError:
            raise ReportError(_("培训年度必须是四位数字，例如 2026。")) from None
        if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
            raise ReportError(
                _("培训年度 %(year)s 超出可统计的范围（%(first)s–%(last)s）。")
                % {
                    "year": years[0],
                    "first": FIRST_YEAR,
                    "last": timezone.localdate().year + 1,
                }
            )
    else:
        year = default_year(user)

    codes = _values(params, "position")
    positions = dict(Position.objects.filter(code__in=codes).values_list("code", "id"))
    unknown = [code for code in codes if code not in positions]
    if unknown:
        raise ReportError(
            _("没有这个岗位：%(codes)s。") % {"codes": "、".join(unknown)}
        )

    identities = _values(params, "identity")
    bad = [value for value in identities if value not in IdentityKind.values]
    if bad:
        raise ReportError(
            _("没有这种身份类型：%(values)s。") % {"values": "、".join(bad)}
        )

    course_id = None
    courses = _values(params, "course")
    if courses:
        if (
            not courses[0].isdigit()
            or not CoursePage.objects.filter(pk=int(courses[0])).exists()
        ):
            raise ReportError(_("没有这门课程。"))
        course_id = int(courses[0])

    date_from = _date(params, "from", _("开始日期"))
    date_to = _date(params, "to", _("结束日期"))
    if date_from and date_to and date_from > date_to:
        raise ReportError(_("开始日期晚于结束日期，请调换后再查询。"))
    return ReportFilters(
        year=year,
        position_ids=tuple(sorted(set(positions.values()))),
        identities=tuple(sorted(set(identities))),
        course_id=course_id,
        date_from=date_from,
        date_to=date_to,
    )


# ---- scope ----


def user_can_view_reports(user) -> bool:
    roots = scope_root_paths(user=user, capability=Capability.VIEW_REPORTS)
    return roots is None or bool(roots)


def report_roots(user) -> list[OrgUnit]:
    """The top units of the user's report scope (every bureau for a superuser)."""
    roots = scope_root_paths(user=user, capability=Capability.VIEW_REPORTS)
    if roots is None:
        return list(OrgUnit.objects.filter(depth=1))
    return list(OrgUnit.objects.filter(path__in=roots))


def report_unit_get(user, code: str) -> OrgUnit:
    """The unit with this code if the user may report on it; 404 otherwise, so
    codes of other units are not confirmed to exist."""
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None or not unit_is_in_scope(
        user=user, unit=unit, capability=Capability.VIEW_REPORTS
    ):
        raise Http404(_("没有这个单位，或您无权查看它的报表。"))
    return unit


def report_learner_get(user, id_number: str) -> LearnerProfile:
    learner = (
        LearnerProfile.objects.within_scope_of(user, Capability.VIEW_REPORTS)
        .select_related("unit", "position")
        .filter(id_number=id_number)
        .first()
    )
    if learner is None:
        raise Http404(_("没有这个人员，或您无权查看。"))
    return learner


# ---- the roll-up ----


@dataclass
class RollupRow:
    unit_code: str
    unit_name: str
    unit_kind: str
    headcount: int = 0
    hours_total: Decimal = ZERO
    required_total: Decimal = ZERO
    required_count: int = 0
    requirement_met: int = 0
    mandatory_assigned: int = 0
    mandatory_completed: int = 0
    overdue_learners: int = 0
    exams_taken: int = 0
    exams_passed: int = 0
    exam_percent_sum: Decimal = ZERO
    is_own: bool = False  # the unit's own people, not a child unit
    path: str = field(default="", repr=False)

    @property
    def hours_avg(self) -> Decimal | None:
        if not self.headcount:
            return None
        return (self.hours_total / self.headcount).quantize(Decimal("0.1"))

    @property
    def required_avg(self) -> Decimal | None:
        if not self.required_count:
            return None
        return (self.required_total / self.required_count).quantize(Decimal("0.1"))

    @property
    def requirement_met_rate(self) -> float | None:
        return _rate(self.requirement_met, self.required_count)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.mandatory_completed, self.mandatory_assigned)

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.exams_passed, self.exams_taken)

    @property
    def score_avg(self) -> float | None:
        if not self.exams_taken:
            return None
        return round(float(self.exam_percent_sum) / self.exams_taken, 1)

    def add(self, other: RollupRow) -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("path")
        data.pop("is_own")
        for name in (
            "hours_avg",
            "required_avg",
            "requirement_met_rate",
            "completion_rate",
            "pass_rate",
            "score_avg",
        ):
            data[name] = getattr(self, name)
        return data


SUMMED = (
    "headcount",
    "hours_total",
    "required_total",
    "required_count",
    "requirement_met",
    "mandatory_assigned",
    "mandatory_completed",
    "overdue_learners",
    "exams_taken",
    "exams_passed",
    "exam_percent_sum",
)


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _course_reach(course_id: int, year: int) -> tuple[Q, Q]:
    """Who the live assignments of a course reach in a year, and who of them is
    past a due date: two conditions on LearnerProfile (the assignment rule of
    `courses.selectors.records`)."""
    reach, late = Q(pk__in=[]), Q(pk__in=[])
    today = timezone.localdate()
    assignments = Assignment.objects.filter(
        course_id=course_id, training_year=year, withdrawn_at__isnull=True
    ).select_related("unit")
    through = Assignment.positions.through.objects.filter(
        assignment__in=assignments
    ).values_list("assignment_id", "position_id")
    positions: dict[int, list[int]] = {}
    for assignment_id, position_id in through:
        positions.setdefault(assignment_id, []).append(position_id)
    for assignment in assignments:
        condition = Q(unit__path__startswith=assignment.unit.path)
        if positions.get(assignment.pk):
            condition &= Q(position_id__in=positions[assignment.pk])
        reach |= condition
        if assignment.due_on < today:
            late |= condition
    return reach, late


def _subtree(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and every unit below it, read once per unit object.

    Reports filter people by this explicit list of unit ids rather than by a
    path prefix: the planner then knows how few units (and people) it is about
    and reads them by the unit index instead of scanning every learner."""
    subtree = getattr(unit, "_report_subtree", None)
    if subtree is None:
        subtree = list(OrgUnit.objects.filter(path__startswith=unit.path))
        unit._report_subtree = subtree
    return subtree


def _learners(unit: OrgUnit, filters: ReportFilters) -> QuerySet[LearnerProfile]:
    """The unit's people (its subtree) under the filters, each joined to their
    row for the training year (absent: no figures yet)."""
    learners = LearnerProfile.objects.filter(
        unit_id__in=[member.pk for member in _subtree(unit)]
    )
    return _filtered(learners, filters)


def _filtered(learners: QuerySet, filters: ReportFilters) -> QuerySet:
    if filters.position_ids:
        learners = learners.filter(position_id__in=filters.position_ids)
    if filters.identities:
        learners = learners.filter(identity__in=filters.identities)
    learners = learners.annotate(
        y=FilteredRelation("years", condition=Q(years__training_year=filters.year))
    )
    if filters.course_id:
        reach, late = _course_reach(filters.course_id, filters.year)
        done = Exists(
            CourseProgress.objects.filter(
                learner_id=OuterRef("pk"),
                course_id_ref=filters.course_id,
                completed_at__isnull=False,
            )
        )
        learners = learners.filter(reach).annotate(
            course_done=Case(When(done, then=Value(1)), default=Value(0)),
            course_late=Case(
                When(done, then=Value(0)), When(late, then=Value(1)), default=Value(0)
            ),
        )
    if filters.date_from or filters.date_to:
        credits = HourCredit.objects.filter(learner_id=OuterRef("pk"))
        if filters.date_from:
            credits = credits.filter(credited_at__date__gte=filters.date_from)
        if filters.date_to:
            credits = credits.filter(credited_at__date__lte=filters.date_to)
        learners = learners.annotate(
            period_hours=Coalesce(
                Subquery(
                    credits.order_by()
                    .values("learner_id")
                    .annotate(total=Sum("hours"))
                    .values("total")[:1]
                ),
                Value(ZERO),
            )
        )
    return learners


def _aggregates(filters: ReportFilters) -> dict:
    hours = (
        F("period_hours")
        if filters.date_from or filters.date_to
        else Coalesce(F("y__hours"), Value(ZERO))
    )
    met = Q(y__required_hours__isnull=False, y__hours__gte=F("y__required_hours"))
    figures = {
        "headcount": Count("id"),
        "hours_total": Coalesce(Sum(hours), Value(ZERO)),
        "required_total": Coalesce(Sum("y__required_hours"), Value(ZERO)),
        "required_count": Count("id", filter=Q(y__required_hours__isnull=False)),
        "requirement_met": Count("id", filter=met),
        "exams_taken": Coalesce(Sum("y__exams_taken"), Value(0)),
        "exams_passed": Coalesce(Sum("y__exams_passed"), Value(0)),
        "exam_percent_sum": Coalesce(Sum("y__exam_percent_sum"), Value(ZERO)),
    }
    if filters.course_id:
        figures |= {
            "mandatory_assigned": Count("id"),
            "mandatory_completed": Coalesce(Sum("course_done"), Value(0)),
            "overdue_learners": Coalesce(Sum("course_late"), Value(0)),
        }
    else:
        figures |= {
            "mandatory_assigned": Coalesce(Sum("y__mandatory_assigned"), Value(0)),
            "mandatory_completed": Coalesce(Sum("y__mandatory_completed"), Value(0)),
            "overdue_learners": Count("id", filter=Q(y__mandatory_overdue__gt=0)),
        }
    return figures


def _grouped(learners: QuerySet, prefix_len: int, filters: ReportFilters) -> dict:
    """The figures of the learners grouped by the first `prefix_len` characters
    of their unit's path: one query."""
    return {
        row.pop("prefix"): row
        for row in learners.annotate(prefix=Substr("unit__path", 1, prefix_len))
        .values("prefix")
        .annotate(**_aggregates(filters))
        .order_by()
    }


def _row(unit: OrgUnit, figures: dict | None, **extra) -> RollupRow:
    row = RollupRow(
        unit_code=unit.code,
        unit_name=unit.name,
        unit_kind=unit.get_kind_display(),
        path=unit.path,
        **extra,
    )
    for name, value in (figures or {}).items():
        setattr(row, name, value)
    return row


def unit_rollup(
    *, user, unit: OrgUnit, filters: ReportFilters
) -> tuple[RollupRow, list[RollupRow]]:
    """The unit's total and a row per child unit (and one for the unit's own
    people, if it has any), in two queries."""
    if not unit_is_in_scope(user=user, unit=unit, capability=Capability.VIEW_REPORTS):
        raise Http404
    children = [member for member in _subtree(unit) if member.depth == unit.depth + 1]
    groups = _grouped(_learners(unit, filters), len(unit.path) + STEP, filters)
    rows = [_row(child, groups.get(child.path)) for child in children]
    if unit.path in groups:  # people placed in the unit itself
        own = _row(unit, groups[unit.path], is_own=True)
        own.unit_name = _("%(unit)s（本级）") % {"unit": unit.name}
        rows.insert(0, own)
    total = _row(unit, None)
    for row in rows:
        total.add(row)
    return total, rows


def facilities_rollup(*, user, filters: ReportFilters) -> list[RollupRow]:
    """Every facility and community office in the user's scope side by side
    (the units one level below a bureau), in two queries."""
    roots = scope_root_paths(user=user, capability=Capability.VIEW_REPORTS)
    if roots == []:
        return []
    learners = _filtered(LearnerProfile.objects.all(), filters)
    units = OrgUnit.objects.filter(depth=2)
    if roots is not None:
        scope = Q(pk__in=[])
        unit_scope = Q(pk__in=[])
        for root in roots:
            scope |= Q(unit__path__startswith=root)
            # A root deeper than a facility reports under its facility's row.
            unit_scope |= Q(path__startswith=root) | Q(path=root[: 2 * STEP])
        learners = learners.filter(scope)
        units = units.filter(unit_scope)
    groups = _grouped(learners, 2 * STEP, filters)
    return [
        _row(unit, groups.get(unit.path))
        for unit in units.order_by("path")
        if unit.kind in (UnitKind.FACILITY, UnitKind.COMMUNITY_OFFICE)
        or unit.path in groups
    ]


ROLLUP_SORTS = {
    "name": lambda row: row.path,
    "headcount": lambda row: row.headcount,
    "hours": lambda row: row.hours_avg or ZERO,
    "requirement": lambda row: row.requirement_met_rate or -1.0,
    "completion": lambda row: row.completion_rate or -1.0,
    "overdue": lambda row: row.overdue_learners,
    "pass": lambda row: row.pass_rate or -1.0,
    "score": lambda row: row.score_avg or -1.0,
}


def rows_sorted(rows: list[RollupRow], sort: str) -> list[RollupRow]:
    """Rows by a column; "-name" for descending. Unknown columns keep the order."""
    key = ROLLUP_SORTS.get(sort.lstrip("-"))
    if key is None:
        return rows
    return sorted(rows, key=key, reverse=sort.startswith("-"))


def position_rollup(*, user, unit: OrgUnit, filters: ReportFilters) -> list[RollupRow]:
    """The unit's people by position, one query."""
    report_scope_check(user, unit)
    names = dict(Position.objects.values_list("id", "name"))
    rows = []
    for figures in (
        _learners(unit, filters)
        .values("position_id")
        .annotate(**_aggregates(filters))
        .order_by("position__sort_order", "position__code")
    ):
        position_id = figures.pop("position_id")
        row = RollupRow(
            unit_code=str(position_id),
            unit_name=names.get(position_id, ""),
            unit_kind=_("岗位"),
        )
        for name, value in figures.items():
            setattr(row, name, value)
        rows.append(row)
    return rows


def report_scope_check(user, unit: OrgUnit) -> None:
    if not unit_is_in_scope(user=user, unit=unit, capability=Capability.VIEW_REPORTS):
        raise Http404


# ---- people ----

LEARNER_SORTS = {
    "name": ("unit__path", "id_number"),
    "hours": ("hours", "id_number"),
    "overdue": ("mandatory_overdue", "id_number"),
    "score": ("score_avg", "id_number"),
}


def unit_learners(
    *,
    user,
    unit: OrgUnit | None,
    filters: ReportFilters,
    sort: str = "name",
    overdue=False,
) -> QuerySet:
    """The unit's people with their figures for the year, as dicts (a query to
    page through or stream). Without a unit: everyone in the user's scope."""
    if unit is None:
        learners = _filtered(
            LearnerProfile.objects.within_scope_of(user, Capability.VIEW_REPORTS),
            filters,
        )
    else:
        report_scope_check(user, unit)
        learners = _learners(unit, filters)
    hours = (
        F("period_hours")
        if filters.date_from or filters.date_to
        else Coalesce(F("y__hours"), Value(ZERO))
    )
    if filters.course_id:
        assigned, completed, late = Value(1), F("course_done"), F("course_late")
    else:
        assigned = Coalesce(F("y__mandatory_assigned"), Value(0))
        completed = Coalesce(F("y__mandatory_completed"), Value(0))
        late = Coalesce(F("y__mandatory_overdue"), Value(0))
    rows = learners.annotate(
        unit_name=F("unit__name"),
        unit_code=F("unit__code"),
        position_name=F("position__name"),
        hours=hours,
        required_hours=F("y__required_hours"),
        mandatory_assigned=assigned,
        mandatory_completed=completed,
        mandatory_overdue=late,
        exams_taken=Coalesce(F("y__exams_taken"), Value(0)),
        exams_passed=Coalesce(F("y__exams_passed"), Value(0)),
        score_avg=Cast(F("y__exam_percent_sum"), FloatField())
        / NullIf(Cast(F("y__exams_taken"), FloatField()), Value(0.0)),
    )
    if overdue:
        rows = rows.filter(mandatory_overdue__gt=0)
    fields = LEARNER_SORTS.get(sort.lstrip("-"), LEARNER_SORTS["name"])
    if sort.startswith("-"):
        fields = (F(fields[0]).desc(nulls_last=True), fields[1])
    return rows.order_by(*fields).values(
        "id_number",
        "real_name",
        "unit_code",
        "unit_name",
        "position_name",
        "identity",
        "hours",
        "required_hours",
        "mandatory_assigned",
        "mandatory_completed",
        "mandatory_overdue",
        "exams_taken",
        "exams_passed",
        "score_avg",
    )


# ---- the monthly trend ----


def monthly_trend(
    *, user, unit: OrgUnit, filters: ReportFilters
) -> list[tuple[date, Decimal]]:
    """Hours credited each month of the training year to the unit's subtree:
    from `UnitMonth`, or from the ledger when the figures depend on who the
    learners are (positions, identities, a course)."""
    from courses.services.records.policy import policy_for_unit_path

    report_scope_check(user, unit)
    start, end = policy_for_unit_path(unit.path).year_bounds(filters.year)
    if filters.position_ids or filters.identities or filters.course_id:
        learners = _filtered(
            LearnerProfile.objects.filter(
                unit_id__in=[member.pk for member in _subtree(unit)]
            ),
            filters,
        )
        found = {
            timezone.localtime(row["month"]).date()
            if hasattr(row["month"], "hour")
            else row["month"]: row["hours"]
            for row in HourCredit.objects.filter(
                learner__in=learners.values("pk"), training_year=filters.year
            )
            .annotate(month=TruncMonth("credited_at"))
            .values("month")
            .annotate(hours=Sum("hours"))
            .order_by()
        }
    else:
        found = dict(
            UnitMonth.objects.filter(
                unit_id__in=[member.pk for member in _subtree(unit)],
                training_year=filters.year,
            )
            .values("month")
            .annotate(hours=Sum("hours"))
            .order_by()
            .values_list("month", "hours")
        )
    months, month = [], start.replace(day=1)
    while month < end:
        months.append((month, found.get(month, ZERO)))
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


# ---- tables for exports ----

ROLLUP_COLUMNS = [
    ("unit_name", _("单位")),
    ("unit_kind", _("类型")),
    ("headcount", _("人数")),
    ("hours_avg", _("人均学时")),
    ("required_avg", _("人均应修学时")),
    ("requirement_met_rate", _("学时达标率(%)")),
    ("mandatory_assigned", _("必修课程应完成(人次)")),
    ("mandatory_completed", _("必修课程已完成(人次)")),
    ("completion_rate", _("必修完成率(%)")),
    ("overdue_learners", _("逾期人数")),
    ("exams_taken", _("参加考试(人次)")),
    ("pass_rate", _("考试合格率(%)")),
    ("score_avg", _("考试平均分")),
]

LEARNER_COLUMNS = [
    ("id_number", _("编号")),
    ("real_name", _("姓名")),
    ("unit_name", _("所在单位")),
    ("position_name", _("岗位")),
    ("identity_label", _("身份类型")),
    ("hours", _("学时")),
    ("required_hours", _("应修学时")),
    ("mandatory_assigned", _("必修课程")),
    ("mandatory_completed", _("已完成")),
    ("mandatory_overdue", _("逾期")),
    ("exams_taken", _("参加考试")),
    ("exams_passed", _("考试合格")),
    ("score_avg", _("考试平均分")),
]

REPORT_KINDS = ("rollup", "positions", "learners", "overdue")


def report_table(
    kind: str, *, user, unit: OrgUnit | None, filters: ReportFilters
) -> tuple[list[str], Iterator[list]]:
    """A report as a header row and an iterator of value rows, for exports:
    people are read in chunks, so memory does not grow with their number.
    People lists take `unit=None` for the user's whole scope."""
    if kind in ("rollup", "positions"):
        if kind == "rollup":
            total, rows = unit_rollup(user=user, unit=unit, filters=filters)
            total.unit_name = _("%(unit)s 合计") % {"unit": unit.name}
            rows = [*rows, total]
        else:
            rows = position_rollup(user=user, unit=unit, filters=filters)
        headers = [str(label) for _name, label in ROLLUP_COLUMNS]
        return headers, (
            [getattr(row, name) for name, _label in ROLLUP_COLUMNS] for row in rows
        )
    if kind in ("learners", "overdue"):
        rows = unit_learners(
            user=user, unit=unit, filters=filters, overdue=kind == "overdue"
        )
        labels = dict(IdentityKind.choices)
        headers = [str(label) for _name, label in LEARNER_COLUMNS]

        def values() -> Iterator[list]:
            for row in rows.iterator(chunk_size=2000):
                row["identity_label"] = str(labels.get(row["identity"], ""))
                if row["score_avg"] is not None:
                    row["score_avg"] = round(row["score_avg"], 1)
                yield [row[name] for name, _label in LEARNER_COLUMNS]

        return headers, values()
    raise ReportError(_("没有这种报表。"))
