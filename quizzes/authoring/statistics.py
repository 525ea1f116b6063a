"""Item statistics (试题分析) in the Wagtail admin: per quiz, per question.

The figures come from `quizzes.selectors.statistics` (SQL aggregates; the
definitions are in its docstring); these views only lay them out, with the
score distribution drawn as inline SVG (no script, no CDN).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from quizzes.models import AttemptStatus, Quiz
from quizzes.selectors.statistics import quiz_item_statistics, quiz_score_distribution

STATISTICS_PERMISSION = "quizzes.view_quiz"

# Histogram geometry (SVG user units).
CHART_WIDTH = 600
CHART_HEIGHT = 180
CHART_LABEL = 20


def can_see_statistics(user) -> bool:
    return user.is_active and (
        user.has_perm(STATISTICS_PERMISSION) or user.has_perm("quizzes.change_quiz")
    )


class StatisticsPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_see_statistics(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class StatisticsIndexView(
    StatisticsPermissionMixin, WagtailAdminTemplateMixin, TemplateView
):
    template_name = "quizzes/admin/statistics/index.html"
    page_title = _("试题分析")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["quizzes"] = Quiz.objects.annotate(
            marked=Count("attempts", filter=Q(attempts__status=AttemptStatus.MARKED))
        ).order_by("-created_at", "id")
        return context


def discrimination_level(value: float | None) -> str:
    if value is None:
        return str(_("无法计算"))
    if value >= 0.4:
        return str(_("良好"))
    if value >= 0.3:
        return str(_("尚可"))
    if value >= 0.2:
        return str(_("需修改"))
    return str(_("差，请检查答案"))


def histogram_bars(distribution) -> list[dict]:
    slot = CHART_WIDTH / max(len(distribution.bins), 1)
    largest = distribution.largest_bin or 1
    bars = []
    for index, band in enumerate(distribution.bins):
        height = round((CHART_HEIGHT - CHART_LABEL) * band.count / largest, 1)
        bars.append(
            {
                "band": band,
                "x": round(index * slot + 2, 1),
                "width": round(slot - 4, 1),
                "y": round(CHART_HEIGHT - CHART_LABEL - height, 1),
                "height": height,
                "label_x": round(index * slot + slot / 2, 1),
                "count_y": round(CHART_HEIGHT - CHART_LABEL - height - 3, 1),
            }
        )
    return bars


class StatisticsDetailView(
    StatisticsPermissionMixin, WagtailAdminTemplateMixin, TemplateView
):
    template_name = "quizzes/admin/statistics/detail.html"
    header_icon = "table"

    def get_page_title(self):
        return _("试题分析：%(quiz)s") % {"quiz": self.quiz.title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("quiz_statistics:index"), "label": _("试题分析")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, *args, **kwargs):
        self.quiz = get_object_or_404(Quiz, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        distribution = quiz_score_distribution(quiz=self.quiz)
        items = quiz_item_statistics(quiz=self.quiz)
        context.update(
            {
                "quiz": self.quiz,
                "distribution": distribution,
                "bars": histogram_bars(distribution),
                "chart": {
                    "width": CHART_WIDTH,
                    "height": CHART_HEIGHT,
                    "baseline": CHART_HEIGHT - CHART_LABEL,
                    "label_y": CHART_HEIGHT - 5,
                },
                "items": [
                    {"stats": item, "level": discrimination_level(item.discrimination)}
                    for item in items
                ],
            }
        )
        return context


class StatisticsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_statistics(request.user)


class StatisticsViewSet(ViewSet):
    name = "quiz_statistics"
    url_prefix = "quizzes/statistics"
    icon = "table"
    menu_label = _("试题分析")

    @property
    def menu_item_class(self):
        return StatisticsMenuItem

    def get_urlpatterns(self):
        return [
            path("", StatisticsIndexView.as_view(), name="index"),
            path("<int:pk>/", StatisticsDetailView.as_view(), name="detail"),
        ]


statistics_viewset = StatisticsViewSet()
