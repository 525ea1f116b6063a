"""Question bank, quizzes and blueprints in the Wagtail admin.

One menu group, 题库与测验: categories, questions, quizzes, the marking queue and
item statistics. Every save goes through the services (see `forms`): a category
is created and renamed by path, a question is checked for its type and its
version raised, and a published quiz is checked against the bank before it is
saved. Who sees what is the model permissions of the quizzes app (granted to
the trainer and reviewer groups by `courses`); learners have no admin access.
"""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.defaultfilters import truncatechars
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn, UpdatedAtColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.views.generic import models as generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from quizzes.authoring.forms import (
    CategoryCreateForm,
    CategoryEditForm,
    QuestionForm,
    QuizForm,
)
from quizzes.authoring.marking import marking_viewset
from quizzes.authoring.statistics import statistics_viewset
from quizzes.html import html_text
from quizzes.models import (
    Category,
    Difficulty,
    KnowledgePoint,
    Question,
    QuestionKind,
    Quiz,
)

# What lets a user open the bank at all (the chooser included).
BANK_PERMISSIONS = [
    "quizzes.add_question",
    "quizzes.change_question",
    "quizzes.view_question",
    "quizzes.add_quiz",
    "quizzes.change_quiz",
]


def stem_text(question: Question, length: int = 60) -> str:
    """A stem as plain text for lists and titles (never its HTML)."""
    return truncatechars(html_text(question.stem), length)


def quiz_learner_url(quiz: Quiz) -> str:
    """Where learners take the quiz: /quizzes/<slug>/."""
    try:
        return reverse("quizzes:detail", args=[quiz.slug])
    except NoReverseMatch:  # the learner pages are not wired in yet
        return f"/quizzes/{quiz.slug}/"


class ServiceErrorsMixin:
    """A refusal raised by a service while saving becomes a form error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


# ---------------------------------------------------------------- categories


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("题目分类")
    name = "quiz_categories"
    url_prefix = "quizzes/categories"
    ordering = ["path"]
    copy_view_enabled = False
    list_per_page = 50
    search_fields = ["full_path"]
    list_display = [
        TitleColumn(
            "full_path",
            label=_("分类"),
            url_name="quiz_categories:edit",
        ),
        Column(
            "questions",
            label=_("题目数"),
            accessor=lambda category: category.questions.count(),
        ),
        UpdatedAtColumn(),
    ]

    def get_form_class(self, for_update=False):
        return CategoryEditForm if for_update else CategoryCreateForm


# ---------------------------------------------------------------- questions


class QuestionFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("题型"), choices=QuestionKind.choices)
    difficulty = django_filters.ChoiceFilter(
        label=_("难度"), choices=Difficulty.choices
    )
    category = django_filters.ModelChoiceFilter(
        label=_("分类（含下级）"),
        queryset=Category.objects.all(),
        method="filter_category",
    )
    knowledge_point = django_filters.ModelChoiceFilter(
        label=_("知识点"),
        queryset=KnowledgePoint.objects.order_by("name"),
        field_name="knowledge_point_items__tag",
    )
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = Question
        fields = []

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value, include_subcategories=True)


class QuestionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("category")


class QuestionTitleMixin:
    def get_page_subtitle(self):
        if getattr(self, "object", None) is not None and self.object.pk:
            return stem_text(self.object, 40)
        return super().get_page_subtitle()


class QuestionCreateView(ServiceErrorsMixin, generic.CreateView):
    def get_success_message(self, instance):
        return _("题目“%(stem)s”已保存。") % {"stem": stem_text(instance, 30)}


class QuestionEditView(ServiceErrorsMixin, QuestionTitleMixin, generic.EditView):
    def get_success_message(self):
        return _("题目“%(stem)s”已保存为第%(version)s版。") % {
            "stem": stem_text(self.object, 30),
            "version": self.object.version,
        }


class QuestionDeleteView(QuestionTitleMixin, generic.DeleteView):
    pass


QUESTION_PANELS = [
    MultiFieldPanel(
        [
            FieldRowPanel([FieldPanel("kind"), FieldPanel("difficulty")]),
            FieldPanel("category"),
            FieldPanel("stem"),
            FieldRowPanel([FieldPanel("points"), FieldPanel("is_active")]),
        ],
        heading=_("题目"),
    ),
    MultiFieldPanel(
        [
            FieldPanel("scoring"),
            FieldPanel("true_answer"),
        ],
        heading=_("答案设置"),
        help_text=_("多选题计分方式只对多选题有效，判断题答案只对判断题有效。"),
    ),
    InlinePanel(
        "options",
        heading=_("选项（单选题、多选题）"),
        label=_("选项"),
        panels=[FieldPanel("text"), FieldPanel("is_correct")],
    ),
    InlinePanel(
        "blank_answers",
        heading=_("填空参考答案（填空题）"),
        label=_("参考答案"),
        help_text=_("一个空位可有多个可接受的答案；空位从1开始编号。"),
        panels=[FieldRowPanel([FieldPanel("blank"), FieldPanel("text")])],
    ),
    MultiFieldPanel(
        [FieldPanel("explanation"), FieldPanel("knowledge_points")],
        heading=_("解析与知识点"),
    ),
]


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("题目")
    name = "quiz_questions"
    url_prefix = "quizzes/questions"
    index_view_class = QuestionIndexView
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    delete_view_class = QuestionDeleteView
    copy_view_enabled = False
    filterset_class = QuestionFilterSet
    search_fields = ["stem"]
    ordering = ["-updated_at", "-id"]
    list_per_page = 50
    list_display = [
        TitleColumn(
            "stem",
            label=_("题干"),
            accessor=stem_text,
            url_name="quiz_questions:edit",
        ),
        Column("kind", label=_("题型"), accessor="get_kind_display"),
        Column("difficulty", label=_("难度"), accessor="get_difficulty_display"),
        Column("category", label=_("分类"), accessor="category.full_path"),
        Column("points", label=_("默认分值")),
        BooleanColumn("is_active", label=_("启用")),
        Column("version", label=_("版本")),
        UpdatedAtColumn(),
    ]
    edit_handler = ObjectList(QUESTION_PANELS, base_form_class=QuestionForm)


# A question chooser for the fixed questions of a quiz: stems as plain text.


def _can_use_bank(user) -> bool:
    return any(user.has_perm(permission) for permission in BANK_PERMISSIONS)


class BankPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not _can_use_bank(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class QuestionChooserFilterForm(BaseFilterForm):
    q = forms.CharField(label=_("题干包含"), required=False)
    kind = forms.ChoiceField(
        label=_("题型"),
        choices=[("", _("全部题型")), *QuestionKind.choices],
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("分类（含下级）"), queryset=Category.objects.all(), required=False
    )

    def filter(self, objects):
        objects = super().filter(objects)
        if self.cleaned_data.get("q"):
            self.is_searching = True
            self.search_query = self.cleaned_data["q"]
            objects = objects.filter(stem__icontains=self.search_query)
        if self.cleaned_data.get("kind"):
            objects = objects.filter(kind=self.cleaned_data["kind"])
        if self.cleaned_data.get("category"):
            objects = objects.in_category(self.cleaned_data["category"])
        return objects


class QuestionChooseViewMixin:
    filter_form_class = QuestionChooserFilterForm
    ordering = ["-updated_at", "-id"]

    def get_object_list(self):
        return Question.objects.active().select_related("category")

    @property
    def columns(self):
        title = self.title_column
        title.accessor = stem_text
        title.label = _("题干")
        return [
            title,
            Column("kind", label=_("题型"), accessor="get_kind_display"),
            Column("category", label=_("分类"), accessor="category.full_path"),
            Column("difficulty", label=_("难度"), accessor="get_difficulty_display"),
        ]


class QuestionChooseView(
    BankPermissionMixin, QuestionChooseViewMixin, chooser_views.ChooseView
):
    pass


class QuestionChooseResultsView(
    BankPermissionMixin, QuestionChooseViewMixin, chooser_views.ChooseResultsView
):
    pass


class QuestionChosenView(BankPermissionMixin, chooser_views.ChosenView):
    def get_display_title(self, instance):
        return stem_text(instance, 80)


class QuestionChooserWidget(BaseChooser):
    def get_display_title(self, instance):
        return stem_text(instance, 80)


class QuestionChooserViewSet(ChooserViewSet):
    model = Question
    icon = "help"
    name = "quiz_question_chooser"
    url_prefix = "quizzes/question-chooser"
    choose_one_text = _("选择题目")
    choose_another_text = _("换一道题")
    edit_item_text = _("编辑题目")
    choose_view_class = QuestionChooseView
    choose_results_view_class = QuestionChooseResultsView
    chosen_view_class = QuestionChosenView
    base_widget_class = QuestionChooserWidget
    per_page = 30

    def get_urlpatterns(self):
        # Choosing only; new questions are written in the question editor.
        return [
            pattern
            for pattern in super().get_urlpatterns()
            if pattern.name in {"choose", "choose_results", "chosen"}
        ]


question_chooser_viewset = QuestionChooserViewSet()


# ---------------------------------------------------------------- quizzes


class QuizCreateView(ServiceErrorsMixin, generic.CreateView):
    pass


class QuizEditView(ServiceErrorsMixin, generic.EditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["learner_url"] = quiz_learner_url(self.object)
        return context


QUIZ_PANELS = [
    MultiFieldPanel(
        [
            FieldPanel("title"),
            FieldPanel("slug"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("mode"), FieldPanel("review_policy")]),
            FieldPanel("is_published"),
        ],
        heading=_("基本信息"),
        help_text=_(
            "学员通过“/quizzes/测验代码/”进入测验。勾选“已发布”保存时，"
            "系统会检查题目与组卷规则，题库不足时拒绝保存。"
        ),
    ),
    MultiFieldPanel(
        [
            FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
            FieldRowPanel([FieldPanel("time_limit"), FieldPanel("max_attempts")]),
            FieldRowPanel([FieldPanel("grading"), FieldPanel("pass_mark")]),
            FieldRowPanel([FieldPanel("layout"), FieldPanel("drill_size")]),
            FieldRowPanel(
                [FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]
            ),
        ],
        heading=_("作答规则"),
    ),
]

QUIZ_QUESTION_PANELS = [
    InlinePanel(
        "quiz_questions",
        heading=_("固定题目"),
        label=_("题目"),
        help_text=_("每份答卷都包含的题目。"),
        panels=[FieldPanel("question"), FieldPanel("points")],
    ),
    InlinePanel(
        "rules",
        heading=_("组卷规则"),
        label=_("规则"),
        help_text=_("每次作答按规则从题库随机抽题；不能与固定题目重复。"),
        panels=[
            FieldRowPanel(
                [FieldPanel("category"), FieldPanel("include_subcategories")]
            ),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("difficulty")]),
            FieldRowPanel([FieldPanel("count"), FieldPanel("points_each")]),
        ],
    ),
]


def _statistics_url(quiz: Quiz) -> str:
    return reverse("quiz_statistics:detail", args=[quiz.pk])


class LinkColumn(Column):
    cell_template_name = "quizzes/admin/cells/link.html"

    def __init__(self, name, *, text=None, **kwargs):
        self.text = text
        super().__init__(name, **kwargs)

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["text"] = self.text or context["value"]
        return context


class QuizViewSet(ModelViewSet):
    model = Quiz
    icon = "form"
    menu_label = _("测验")
    name = "quiz_quizzes"
    url_prefix = "quizzes/quizzes"
    add_view_class = QuizCreateView
    edit_view_class = QuizEditView
    copy_view_enabled = False
    search_fields = ["title", "slug"]
    list_filter = ["mode", "is_published"]
    list_display = [
        TitleColumn("title", label=_("标题"), url_name="quiz_quizzes:edit"),
        Column("mode", label=_("模式"), accessor="get_mode_display"),
        BooleanColumn("is_published", label=_("已发布")),
        LinkColumn("learner_url", label=_("学员网址"), accessor=quiz_learner_url),
        LinkColumn(
            "statistics", label=_("试题分析"), accessor=_statistics_url, text=_("查看")
        ),
        UpdatedAtColumn(),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(QUIZ_PANELS, heading=_("设置")),
            ObjectList(QUIZ_QUESTION_PANELS, heading=_("题目与组卷规则")),
        ],
        base_form_class=QuizForm,
    )


class QuizzesAdminGroup(ViewSetGroup):
    menu_label = _("题库与测验")
    menu_icon = "form"
    menu_order = 300
    # Other parts of the quiz engine (e.g. import) may add MenuItems to the group.
    submenu_hook = "register_quizzes_menu_item"
    items = (
        QuestionViewSet,
        CategoryViewSet,
        QuizViewSet,
        marking_viewset,
        statistics_viewset,
    )


@hooks.register("register_admin_viewset")
def register_quiz_admin():
    return [QuizzesAdminGroup(), question_chooser_viewset]
