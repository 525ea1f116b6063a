"""Report screens: the organisation roll-up, drill-down to units and people.

Every screen reads `reports.selectors`, which takes its scope from
`courses.selectors.scope`: a user without the report capability gets 403, a unit
or person outside their scope 404 (so other units' codes are not confirmed).
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.models import OrgUnit, Position
from courses.models.learners import IdentityKind
from courses.models.pages import CoursePage

from . import charts
from .selectors import (
    ROLLUP_SORTS,
    ReportError,
    ReportFilters,
    default_year,
    facilities_rollup,
    filters_from_params,
    monthly_trend,
    position_rollup,
    report_roots,
    report_unit_get,
    rows_sorted,
    unit_learners,
    unit_rollup,
    user_can_view_reports,
)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _require_reports(user) -> None:
    if not user_can_view_reports(user):
        raise PermissionDenied(_("您没有查看培训统计报表的权限。"))


def _filters(request) -> tuple[ReportFilters, str]:
    """The filters of the query string; a bad one is reported and the default
    year shown instead, so the page still answers."""
    try:
        return filters_from_params(request.GET, user=request.user), ""
    except ReportError as error:
        return ReportFilters(year=default_year(request.user)), str(error)


def _filter_context(request, filters: ReportFilters, error: str) -> dict:
    this_year = default_year(request.user)
    return {
        "filters": filters,
        "filter_error": error,
        "query": urlencode(filters.as_params(), doseq=True),
        "years": list(range(this_year + 1, this_year - 5, -1)),
        "positions": Position.objects.filter(is_active=True),
        "identities": IdentityKind.choices,
        "courses": CoursePage.objects.live().only("id", "title").order_by("title"),
    }


def _unit_url(code: str, query: str) -> str:
    return reverse("reports:unit", args=[code]) + "?" + query


def _rollup_chart(rows, link) -> dict:
    return charts.bar_chart(
        [(row.unit_name, row.completion_rate, link(row)) for row in rows]
    )


@login_required
def report_home(request):
    """Every facility and community office in the user's scope side by side."""
    _require_reports(request.user)
    filters, error = _filters(request)
    sort = request.GET.get("sort", "name")
    rows = rows_sorted(facilities_rollup(user=request.user, filters=filters), sort)
    roots = report_roots(request.user)
    trend = (
        monthly_trend(user=request.user, unit=roots[0], filters=filters)
        if len(roots) == 1
        else []
    )
    context = _filter_context(request, filters, error)
    return render(
        request,
        "reports/home.html",
        {
            **context,
            "rows": rows,
            "roots": roots,
            "sort": sort,
            "sorts": ROLLUP_SORTS,
            "chart": _rollup_chart(
                rows, lambda row: _unit_url(row.unit_code, context["query"])
            ),
            "trend": charts.month_columns(trend) if trend else None,
            "trend_points": trend,
        },
    )


def _breadcrumbs(user, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors that the user may report on, top first."""
    from courses.selectors.scope import Capability, scope_root_paths

    roots = scope_root_paths(user=user, capability=Capability.VIEW_REPORTS)
    step = OrgUnit.steplen
    lineage = [unit.path[:end] for end in range(step, len(unit.path), step)]
    if roots is not None:
        lineage = [p for p in lineage if any(p.startswith(r) for r in roots)]
    return list(OrgUnit.objects.filter(path__in=lineage).order_by("path"))


@login_required
def unit_report(request, code: str):
    """One unit: its total, its child units, its people by position, the trend."""
    _require_reports(request.user)
    unit = report_unit_get(request.user, code)
    filters, error = _filters(request)
    sort = request.GET.get("sort", "name")
    total, rows = unit_rollup(user=request.user, unit=unit, filters=filters)
    rows = rows_sorted(rows, sort)
    trend = monthly_trend(user=request.user, unit=unit, filters=filters)
    context = _filter_context(request, filters, error)

    def link(row) -> str:
        if row.is_own:
            return (
                reverse("reports:unit_people", args=[unit.code])
                + "?"
                + context["query"]
            )
        return _unit_url(row.unit_code, context["query"])

    return render(
        request,
        "reports/unit.html",
        {
            **context,
            "unit": unit,
            "total": total,
            "rows": rows,
            "sort": sort,
            "breadcrumbs": _breadcrumbs(request.user, unit),
            "by_position": position_rollup(
                user=request.user, unit=unit, filters=filters
            ),
            "chart": _rollup_chart(rows, link),
            "trend": charts.month_columns(trend),
            "trend_points": trend,
        },
    )


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("size", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


@login_required
def unit_people(request, code: str, overdue: bool = False):
    """The unit's people with their figures, a page at a time."""
    _require_reports(request.user)
    unit = report_unit_get(request.user, code)
    filters, error = _filters(request)
    sort = request.GET.get("sort", "-overdue" if overdue else "name")
    rows = unit_learners(
        user=request.user, unit=unit, filters=filters, sort=sort, overdue=overdue
    )
    page = Paginator(rows, _page_size(request)).get_page(request.GET.get("page"))
    labels = dict(IdentityKind.choices)
    for row in page.object_list:
        row["identity_label"] = labels.get(row["identity"], "")
    return render(
        request,
        "reports/people.html",
        {
            **_filter_context(request, filters, error),
            "unit": unit,
            "page": page,
            "sort": sort,
            "overdue": overdue,
            "breadcrumbs": _breadcrumbs(request.user, unit) + [unit],
        },
    )


@login_required
def unit_overdue(request, code: str):
    return unit_people(request, code, overdue=True)
