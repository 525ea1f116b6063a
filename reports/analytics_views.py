"""Quiz and item analytics by unit, and the per-course report (staff area).

Every unit comes through the scope helpers of `reports.analytics` (built on
`courses.selectors.scope`): a unit code outside the user's scope, an unknown
quiz or a course that is not the user's to report on is a 404, never data; a
signed-in user with no staff role gets 403, as in `courses.views`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import CoursePage, OrgUnit
from courses.selectors.scope import Capability, user_has_capability
from courses.services.records.policy import current_training_year

from . import analytics
from .analytics import (
    BANDS,
    WEAK_MARGIN,
    WEAK_MIN_ITEMS,
    analytics_capabilities,
    course_report_capabilities,
)

PER_PAGE = 50
# The oldest training year a report may ask for; the newest is next year.
FIRST_YEAR = 2000


def _require(user, capabilities) -> None:
    if not capabilities:
        raise PermissionDenied(_("您没有权限查看此页面。"))


def _unit_for(request, capabilities) -> OrgUnit:
    """The unit named by ?unit= (404 outside scope), else the top one in scope."""
    code = request.GET.get("unit", "").strip()
    if code:
        unit = analytics.unit_in_scope(request.user, capabilities, code)
    else:
        unit = analytics.default_unit(request.user, capabilities)
    if unit is None:
        raise Http404(_("单位不存在或不在您的管理范围内。"))
    return unit


def _unit_context(request, capabilities, unit: OrgUnit) -> dict:
    return {
        "unit": unit,
        "ancestors": analytics.unit_ancestors_in_scope(
            request.user, capabilities, unit
        ),
    }


# ---- quiz analytics ----


@login_required
def quiz_index(request):
    capabilities = analytics_capabilities(request.user)
    _require(request.user, capabilities)
    page = Paginator(analytics.analysable_quizzes(), PER_PAGE).get_page(
        request.GET.get("page")
    )
    counts = analytics.quiz_attempt_counts(
        request.user, capabilities, [quiz.pk for quiz in page]
    )
    rows = [
        {
            "quiz": quiz,
            "attempts": counts.get(quiz.pk, {}).get("attempts", 0),
            "learners": counts.get(quiz.pk, {}).get("learners", 0),
            "released": analytics.quiz_results_released(quiz),
        }
        for quiz in page
    ]
    return render(
        request,
        "reports/analytics/quiz_index.html",
        {"page": page, "rows": rows},
    )


@login_required
def quiz_detail(request, slug: str):
    capabilities = analytics_capabilities(request.user)
    _require(request.user, capabilities)
    quiz = get_object_or_404(analytics.analysable_quizzes(), slug=slug)
    unit = _unit_for(request, capabilities)
    children = analytics.unit_children(unit)
    report = analytics.quiz_analytics(quiz=quiz, unit=unit, children=children)
    return render(
        request,
        "reports/analytics/quiz_detail.html",
        {
            **_unit_context(request, capabilities, unit),
            "quiz": quiz,
            "report": report,
            "weak_margin": round(WEAK_MARGIN * 100),
            "weak_min_items": WEAK_MIN_ITEMS,
        },
    )


# ---- the course report ----


def _require_staff(user) -> None:
    """Course reports: report readers, and trainers for the courses they own."""
    _require(
        user,
        [
            capability
            for capability in (Capability.VIEW_REPORTS, Capability.VIEW_PEOPLE)
            if user_has_capability(user=user, capability=capability)
        ],
    )


@login_required
def course_index(request):
    _require_staff(request.user)
    courses = analytics.reportable_courses(request.user).only(
        "id", "title", "path", "depth", "live", "final_quiz_code", "owner_id"
    )
    page = Paginator(courses, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/analytics/course_index.html", {"page": page})


YEAR_ERRORS = {
    "invalid": gettext_lazy("培训年度应为四位数字的年份，例如 %(example)s。"),
    "range": gettext_lazy("培训年度应在 %(first)s 至 %(last)s 年之间。"),
}


def _year(raw: str | None, current: int) -> tuple[int, str | None]:
    """The training year asked for, or the current one and an error message."""
    if raw is None or raw.strip() == "":
        return current, None
    try:
        year = int(raw.strip())
    except ValueError:
        return current, str(YEAR_ERRORS["invalid"] % {"example": current})
    if not FIRST_YEAR <= year <= current + 1:
        return current, str(
            YEAR_ERRORS["range"] % {"first": FIRST_YEAR, "last": current + 1}
        )
    return year, None


# The bar chart's drawing area, in SVG user units (it scales to the screen).
CHART = {"width": 640, "height": 260, "left": 36, "top": 24, "bottom": 44}


def _svg(number: float) -> str:
    """A coordinate as SVG wants it, whatever the locale's decimal mark."""
    return f"{number:.1f}"


def _chart(exam) -> dict | None:
    """Bars of the score distribution as SVG geometry (no JavaScript)."""
    if exam is None or not exam.released or not exam.bands:
        return None
    plot_height = CHART["height"] - CHART["top"] - CHART["bottom"]
    slot = (CHART["width"] - CHART["left"] - 8) / BANDS
    largest = exam.largest or 1
    bars = []
    for i, band in enumerate(exam.bands):
        height = plot_height * band.count / largest
        x = CHART["left"] + i * slot
        bars.append(
            {
                "band": band,
                "x": _svg(x + slot * 0.12),
                "width": _svg(slot * 0.76),
                "y": _svg(CHART["top"] + plot_height - height),
                "height": _svg(height),
                "label_x": _svg(x + slot / 2),
                "count_y": _svg(CHART["top"] + plot_height - height - 6),
            }
        )
    return {
        **CHART,
        "baseline": CHART["top"] + plot_height,
        "axis_label_y": CHART["height"] - CHART["bottom"] + 18,
        "axis_title_y": CHART["height"] - 6,
        "bars": bars,
    }


@login_required
def course_detail(request, course_id: int):
    _require_staff(request.user)
    course = get_object_or_404(CoursePage.objects.all(), pk=course_id)
    capabilities = course_report_capabilities(request.user, course)
    if not capabilities:
        raise Http404(_("课程不存在或您无权查看其统计。"))
    unit = _unit_for(request, capabilities)
    current = current_training_year(unit_path=unit.path)
    year, year_error = _year(request.GET.get("year"), current)
    years = sorted(analytics.course_years(course) | {current, year}, reverse=True)
    context = {
        **_unit_context(request, capabilities, unit),
        "course": course,
        "year": year,
        "years": years,
        "year_error": year_error,
        "year_param": f"&year={year}",
        "bands": BANDS,
    }
    if year_error:
        return render(
            request, "reports/analytics/course_detail.html", context, status=400
        )
    report = analytics.course_report(
        course=course, unit=unit, children=analytics.unit_children(unit), year=year
    )
    context.update({"report": report, "chart": _chart(report.exam)})
    return render(request, "reports/analytics/course_detail.html", context)
