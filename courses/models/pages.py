"""Course material as Wagtail pages.

    HomePage
    ├── CourseIndexPage (课程目录)  → CoursePage → ChapterPage → LessonPage
    └── ResourceBankPage (资源库)   → LessonPage (4,453 of them, faceted by programme,
                                                  topic, position and format)

A textbook section (节) is a LessonPage under its ChapterPage: the unit a learner
reads, is credited for and searches.
"""

import functools
from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from courses.blocks import LessonStreamBlock
from courses.cache import (
    FRAGMENT_SECONDS,
    content_version,
    page_render_context,
    page_shell_context,
    page_shell_serve,
)
from courses.search_text import searchable_tokens

from .organisation import Position


class Programme(models.Model):
    """One of the national education programmes (精品教育项目) lessons belong to."""

    code = models.SlugField(_("项目代码"), max_length=32, unique=True)
    name = models.CharField(_("项目名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("教育项目")
        verbose_name_plural = _("教育项目")

    def __str__(self) -> str:
        return self.name


class LessonFormat(models.TextChoices):
    TEXT = "text", _("图文")
    VIDEO = "video", _("视频")
    DOCUMENT = "document", _("文档")
    CASE = "case", _("案例")


class CompletionRule(models.TextChoices):
    OPENED = "opened", _("打开即完成")
    TIME = "time", _("学习时间达到要求")
    VIDEO = "video", _("视频观看达到比例")
    QUIZ = "quiz", _("随堂测验通过")


class CourseCompletionRule(models.TextChoices):
    REQUIRED_LESSONS = "lessons", _("完成全部必修课")
    LESSONS_AND_EXAM = "lessons_exam", _("完成全部必修课并通过结业考试")


class LessonTopic(TaggedItemBase):
    content_object = ParentalKey(
        "courses.LessonPage", related_name="tagged_topics", on_delete=models.CASCADE
    )


class SegmentedSearchMixin:
    """Adds the page's text, split for Chinese search (courses.search_text), to
    its search index entry; the raw fields stay indexed as Wagtail has them."""

    def plain_text(self) -> str:
        parts = [self.title, getattr(self, "summary", "") or ""]
        body = getattr(self, "body", None)
        if body is not None:
            parts.extend(body.stream_block.get_searchable_content(body))
        return "\n".join(part for part in parts if part)

    def search_tokens(self) -> str:
        return searchable_tokens(self.plain_text())


@functools.cache
def _no_view_restrictions():
    """An empty queryset, evaluated once: iterating it (as the serve hook does)
    costs nothing, and ordering or counting it (as the admin does) stays empty."""
    restrictions = PageViewRestriction.objects.none()
    list(restrictions)
    return restrictions


class CachedRenderMixin:
    """Passes the page templates what they need to use the cache (the header's
    links, the tokens cached fragments vary on): see `courses.cache`. Its route
    and its view restrictions are cached under the content version as well."""

    cache_route = True

    def view_restriction_ids(self) -> list[int]:
        """The ids of the restrictions on the page and its ancestors, as Wagtail
        finds them, cached under the content version (which any change to a
        restriction, a page or a move moves)."""
        key = f"courses:view-restrictions:{self.pk}:{content_version()}"
        ids = cache.get(key)
        if ids is None:
            ids = list(super().get_view_restrictions().values_list("pk", flat=True))
            cache.set(key, ids, FRAGMENT_SECONDS)
        return ids

    def get_view_restrictions(self):
        """Wagtail's answer, from the cache: every request for the page asks.
        Still a queryset of the same rows, for the admin to order or count. A
        page whose route came from the cache (`courses.cache.page_route_cached`)
        brings the ids with it."""
        ids = self.__dict__.get("_view_restriction_ids")
        if ids is None:
            ids = self.view_restriction_ids()
        if not ids:
            return _no_view_restrictions()
        return PageViewRestriction.objects.filter(pk__in=ids)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_render_context(request))
        context.update(page_shell_context(request))
        return context

    # Pages whose template is the same for every reader but for base.html's
    # reader parts and CSRF tokens may be served from a cached shell.
    serve_from_shell = False

    def serve(self, request, *args, **kwargs):
        if not self.serve_from_shell or args or kwargs:
            return super().serve(request, *args, **kwargs)
        return page_shell_serve(
            self, request, lambda: super(CachedRenderMixin, self).serve(request)
        )


class LessonChildRouteMixin:
    """For a page whose children are lessons: a child lesson is found in one query.
    Wagtail's routing fetches the child as a plain Page, then again as its
    specific type."""

    def route(self, request, path_components):
        if path_components:
            try:
                # The body is read only to render it, which the cache mostly
                # spares; the route (cached with the page object) stays small.
                lesson = (
                    LessonPage.objects.child_of(self)
                    .defer_streamfields()
                    .get(slug=path_components[0])
                )
            except LessonPage.DoesNotExist:
                pass  # not a lesson (or no such page): Wagtail's way decides
            else:
                lesson._cached_parent_obj = self
                return lesson.route(request, path_components[1:])
        return super().route(request, path_components)


class CourseIndexPage(CachedRenderMixin, Page):
    intro = RichTextField(_("导语"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    template = "courses/pages/course_index_page.html"

    class Meta:
        verbose_name = _("课程目录")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = (
            CoursePage.objects.live()
            .public()
            .child_of(self)
            .prefetch_related("target_positions")
            .order_by("path")
        )
        position = request.GET.get("position")
        if position and position.isdigit():
            courses = courses.filter(target_positions=int(position))
        context["courses"] = courses
        context["positions"] = Position.objects.filter(is_active=True)
        context["selected_position"] = position
        return context


class CoursePage(CachedRenderMixin, SegmentedSearchMixin, Page):
    summary = models.TextField(_("课程简介"), blank=True)
    target_positions = ParentalManyToManyField(
        Position,
        blank=True,
        related_name="courses",
        verbose_name=_("适用岗位"),
        help_text=_("不选表示所有岗位适用。"),
    )
    prerequisites = ParentalManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="required_by",
        verbose_name=_("先修课程"),
    )
    completion_rule = models.CharField(
        _("结业条件"),
        max_length=16,
        choices=CourseCompletionRule.choices,
        default=CourseCompletionRule.REQUIRED_LESSONS,
    )
    final_quiz_code = models.CharField(
        _("结业考试代码"),
        max_length=64,
        blank=True,
        help_text=_("结业条件包含考试时填写题库中考试的代码。"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("target_positions", widget=forms.CheckboxSelectMultiple),
        FieldPanel("prerequisites"),
        MultiFieldPanel(
            [FieldPanel("completion_rule"), FieldPanel("final_quiz_code")],
            heading=_("结业条件"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("search_tokens"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ChapterPage", "courses.LessonPage"]
    template = "courses/pages/course_page.html"

    class Meta:
        verbose_name = _("课程")

    def lessons(self):
        return LessonPage.objects.live().descendant_of(self).order_by("path")

    def total_class_hours(self) -> Decimal:
        return self.lessons().aggregate(total=Sum("class_hours"))["total"] or Decimal(0)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The table of contents in two queries, whatever the size of the book.
        chapters = list(ChapterPage.objects.live().child_of(self).order_by("path"))
        lessons = list(
            self.lessons().only(
                "title", "path", "depth", "url_path", "class_hours", "minutes", "slug"
            )
        )
        by_parent: dict[str, list] = {}
        for lesson in lessons:
            by_parent.setdefault(lesson.path[: -self.steplen], []).append(lesson)
        context["toc"] = [(c, by_parent.get(c.path, [])) for c in chapters]
        context["loose_lessons"] = by_parent.get(self.path, [])
        context["total_class_hours"] = sum((x.class_hours for x in lessons), Decimal(0))
        context["lesson_count"] = len(lessons)
        from courses.selectors.records import course_reader_state

        context["reader"] = course_reader_state(user=request.user, course=self)
        return context


class ChapterPage(LessonChildRouteMixin, CachedRenderMixin, SegmentedSearchMixin, Page):
    summary = models.TextField(_("本章概要"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("summary")]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("search_tokens"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]
    template = "courses/pages/chapter_page.html"

    class Meta:
        verbose_name = _("章")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = LessonPage.objects.live().child_of(self).order_by("path")
        return context


class ResourceBankPage(LessonChildRouteMixin, CachedRenderMixin, Page):
    intro = RichTextField(_("导语"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.LessonPage"]
    max_count = 1
    template = "courses/pages/resource_bank_page.html"

    LESSONS_PER_PAGE = 20

    class Meta:
        verbose_name = _("教育资源库")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors.lessons import lesson_bank_facets, lesson_bank_filter

        context = super().get_context(request, *args, **kwargs)
        lessons, filters = lesson_bank_filter(bank=self, params=request.GET)
        page = Paginator(lessons, self.LESSONS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            {
                "page_obj": page,
                "filters": filters,
                "facets": lesson_bank_facets(bank=self, filters=filters),
                "query": query.urlencode(),
            }
        )
        return context


class LessonPage(CachedRenderMixin, SegmentedSearchMixin, Page):
    code = models.CharField(
        _("课程编码"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("资源库中的唯一编码，导入时据此更新已有课程。"),
    )
    summary = models.TextField(_("内容提要"), blank=True)
    programme = models.ForeignKey(
        Programme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons",
        verbose_name=_("教育项目"),
    )
    format = models.CharField(
        _("形式"),
        max_length=16,
        choices=LessonFormat.choices,
        default=LessonFormat.TEXT,
    )
    class_hours = models.DecimalField(
        _("课时"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        help_text=_("计入学时的课时数，可为 0.5。"),
    )
    minutes = models.PositiveSmallIntegerField(_("时长（分钟）"), default=45)
    topics = ClusterTaggableManager(
        through=LessonTopic, blank=True, verbose_name=_("专题")
    )
    target_positions = ParentalManyToManyField(
        Position,
        blank=True,
        related_name="lessons",
        verbose_name=_("适用岗位"),
        help_text=_("不选表示所有岗位适用。"),
    )
    is_required = models.BooleanField(
        _("必修"), default=True, help_text=_("结业条件“完成全部必修课”只计必修课。")
    )
    completion_rule = models.CharField(
        _("完成条件"),
        max_length=16,
        choices=CompletionRule.choices,
        default=CompletionRule.TIME,
    )
    completion_minutes = models.PositiveSmallIntegerField(
        _("最少学习分钟"),
        null=True,
        blank=True,
        help_text=_("完成条件为“学习时间”时使用；留空则按时长的一半。"),
    )
    completion_video_percent = models.PositiveSmallIntegerField(
        _("视频观看比例（%）"),
        null=True,
        blank=True,
        default=90,
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("正文"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    settings_panels_lesson = [
        MultiFieldPanel(
            [
                FieldPanel("code"),
                FieldPanel("programme"),
                FieldPanel("format"),
                FieldPanel("class_hours"),
                FieldPanel("minutes"),
                FieldPanel("topics"),
                FieldPanel("target_positions", widget=forms.CheckboxSelectMultiple),
                FieldPanel("is_required"),
            ],
            heading=_("课程属性"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("completion_rule"),
                FieldPanel("completion_minutes"),
                FieldPanel("completion_video_percent"),
            ],
            heading=_("完成条件"),
        ),
    ]
    promote_panels = settings_panels_lesson + Page.promote_panels

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.RelatedFields("topics", [index.SearchField("name")]),
        index.SearchField("search_tokens"),
        index.FilterField("format"),
        index.FilterField("programme"),
    ]
    parent_page_types = [
        "courses.ChapterPage",
        "courses.CoursePage",
        "courses.ResourceBankPage",
    ]
    subpage_types: list[str] = []
    template = "courses/pages/lesson_page.html"
    serve_from_shell = True

    class Meta:
        verbose_name = _("课")
        verbose_name_plural = _("课")
        indexes = [models.Index(fields=["programme", "format"], name="lesson_prog_fmt")]

    # The template reads these only when its cached fragment is missing, so a
    # lesson served from the cache costs no query for them.
    def _live_siblings(self):
        return (
            LessonPage.objects.live().sibling_of(self).only("title", "url_path", "path")
        )

    @cached_property
    def previous_lesson(self):
        return (
            self._live_siblings().filter(path__lt=self.path).order_by("-path").first()
        )

    @cached_property
    def next_lesson(self):
        return self._live_siblings().filter(path__gt=self.path).order_by("path").first()
