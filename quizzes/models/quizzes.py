"""Quizzes: what is asked (fixed questions and blueprint rules) and under which rules.

A quiz's questions come from fixed questions (`QuizQuestion`) and/or blueprint
rules (`QuizRule`, 组卷规则) that draw at random for every attempt. A daily drill
(mode DRILL) has neither: each attempt draws from the learner's own wrong-answer
book and the bank (see `quizzes.selectors.drill`).

Whether a blueprint can be satisfied by the bank is checked when the quiz is
validated or published (`quizzes.services.quizzes.quiz_validate`), never first
at a learner's start.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from .categories import Category
from .questions import Difficulty, Question, QuestionKind


class QuizMode(models.TextChoices):
    PRACTICE = "practice", _("练习")
    DRILL = "drill", _("每日一练")
    EXAM = "exam", _("考试")


# Words of the learner's URLs under /quizzes/ that a quiz's code cannot take.
RESERVED_SLUGS = frozenset({"attempt", "drill", "progress", "wrong-answers"})

# Modes that give right/wrong and the explanation right after each answer.
FEEDBACK_MODES = frozenset({QuizMode.PRACTICE, QuizMode.DRILL})


class PageLayout(models.TextChoices):
    ONE_PER_PAGE = "one_per_page", _("每页一题")
    ALL_ON_ONE_PAGE = "all_on_one_page", _("全部题目一页显示")


class Grading(models.TextChoices):
    HIGHEST = "highest", _("取最高分")
    LAST = "last", _("取最后一次")


class ReviewPolicy(models.TextChoices):
    IMMEDIATELY = "immediately", _("每题作答后立即显示")
    AFTER_SUBMIT = "after_submit", _("交卷后显示")
    AFTER_CLOSE = "after_close", _("考试结束后显示")
    NEVER = "never", _("不显示")


class Quiz(ClusterableModel):
    title = models.CharField(_("标题"), max_length=200)
    slug = models.SlugField(
        _("测验代码"),
        max_length=64,
        unique=True,
        help_text=_("用于网址和导入导出，只能包含字母、数字、连字符和下划线。"),
    )
    description = models.TextField(_("说明"), blank=True)
    mode = models.CharField(
        _("模式"), max_length=16, choices=QuizMode.choices, default=QuizMode.PRACTICE
    )
    shuffle_questions = models.BooleanField(_("题目乱序"), default=False)
    shuffle_options = models.BooleanField(_("选项乱序"), default=False)
    layout = models.CharField(
        _("显示方式"),
        max_length=16,
        choices=PageLayout.choices,
        default=PageLayout.ONE_PER_PAGE,
    )
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    time_limit = models.PositiveIntegerField(
        _("限时（分钟）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("留空表示不限时。"),
    )
    max_attempts = models.PositiveIntegerField(
        _("允许作答次数"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("留空表示不限次数。"),
    )
    grading = models.CharField(
        _("多次作答计分"),
        max_length=16,
        choices=Grading.choices,
        default=Grading.HIGHEST,
    )
    pass_mark = models.DecimalField(
        _("及格线（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    review_policy = models.CharField(
        _("答案显示"),
        max_length=16,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.IMMEDIATELY,
        help_text=_("何时向学员显示正确答案、解析和每题得分。"),
    )
    drill_size = models.PositiveSmallIntegerField(
        _("每日一练题量"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("仅对每日一练有效。"),
    )
    is_published = models.BooleanField(_("已发布"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("测验")
        verbose_name_plural = _("测验")

    def __str__(self) -> str:
        return self.title

    @property
    def gives_feedback(self) -> bool:
        return self.mode in FEEDBACK_MODES

    def fixed_in_order(self, *, active_only: bool = False) -> list["QuizQuestion"]:
        """The fixed questions in paper order; with `active_only`, those whose
        question is still active (a saved quiz only: one query)."""
        links = self.quiz_questions.all()
        if active_only:
            links = links.filter(question__is_active=True)
        return sorted(links, key=_orderable_key)

    def rules_in_order(self) -> list["QuizRule"]:
        """The rules in the order they draw (also for unsaved rules in a form)."""
        return sorted(self.rules.all(), key=_orderable_key)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.slug in RESERVED_SLUGS:
            errors.setdefault("slug", []).append(
                _("“%(slug)s”是系统保留的网址，请换一个测验代码。")
                % {"slug": self.slug}
            )
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors.setdefault("closes_at", []).append(_("结束时间必须晚于开始时间。"))
        immediate = self.review_policy == ReviewPolicy.IMMEDIATELY
        if self.mode in FEEDBACK_MODES and not immediate:
            errors.setdefault("review_policy", []).append(
                _("练习和每日一练须每题作答后立即显示答案。")
            )
        if self.mode == QuizMode.EXAM and immediate:
            errors.setdefault("review_policy", []).append(
                _("考试不能在每题作答后立即显示答案。")
            )
        if self.review_policy == ReviewPolicy.AFTER_CLOSE and not self.closes_at:
            errors.setdefault("closes_at", []).append(
                _("“考试结束后显示”答案须设置结束时间。")
            )
        if errors:
            raise ValidationError(errors)


def _orderable_key(row: Orderable) -> tuple:
    # The same order on every database, and for rows not saved yet.
    return (row.sort_order is None, row.sort_order or 0, row.pk or 0)


class QuizQuestion(Orderable):
    """A question every attempt of the quiz gets, in this order unless shuffled."""

    quiz = ParentalKey(
        Quiz,
        on_delete=models.CASCADE,
        related_name="quiz_questions",
        verbose_name=_("测验"),
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.PROTECT,
        related_name="quiz_links",
        verbose_name=_("题目"),
    )
    points = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("留空则使用题目的默认分值。"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("固定题目")
        verbose_name_plural = _("固定题目")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "question"], name="unique_question_per_quiz"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.question}"


class QuizRule(Orderable):
    """A blueprint rule (组卷规则): draw `count` questions matching it per attempt."""

    quiz = ParentalKey(
        Quiz,
        on_delete=models.CASCADE,
        related_name="rules",
        verbose_name=_("测验"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="quiz_rules",
        verbose_name=_("分类"),
    )
    include_subcategories = models.BooleanField(_("包含下级分类"), default=True)
    kind = models.CharField(
        _("题型"),
        max_length=16,
        choices=QuestionKind.choices,
        blank=True,
        help_text=_("留空表示不限题型。"),
    )
    difficulty = models.CharField(
        _("难度"),
        max_length=8,
        choices=Difficulty.choices,
        blank=True,
        help_text=_("留空表示不限难度。"),
    )
    count = models.PositiveSmallIntegerField(
        _("抽题数量"), validators=[MinValueValidator(1)]
    )
    points_each = models.DecimalField(
        _("每题分值"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("留空则使用题目的默认分值。"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("组卷规则")
        verbose_name_plural = _("组卷规则")

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """A description for messages, e.g. “禁毒法（含下级）·单选题·中等”."""
        parts = [str(self.category)]
        if self.include_subcategories:
            parts[0] += str(_("（含下级）"))
        parts.append(self.get_kind_display() if self.kind else str(_("不限题型")))
        parts.append(
            self.get_difficulty_display() if self.difficulty else str(_("不限难度"))
        )
        return "·".join(parts)

    def clean(self) -> None:
        if self.category_id is None or not self.count:
            return
        available = self.candidates().count()
        if available < self.count:
            raise ValidationError(
                {
                    "count": _(
                        "组卷规则（%(rule)s）要抽%(count)s道题，"
                        "题库中只有%(available)s道符合条件的启用题目。"
                    )
                    % {
                        "rule": self.describe(),
                        "count": self.count,
                        "available": available,
                    }
                }
            )

    def candidates(self):
        """The active questions this rule may draw from."""
        questions = Question.objects.active().in_category(
            self.category, include_subcategories=self.include_subcategories
        )
        if self.kind:
            questions = questions.filter(kind=self.kind)
        if self.difficulty:
            questions = questions.filter(difficulty=self.difficulty)
        return questions


class QuestionUsage(models.Model):
    """How often each question has been drawn for a quiz by its blueprint rules.

    Read by the draw to take least-used questions first, so that two neighbours
    in the same exam rarely share a paper. A heuristic, not a record: it is
    rebuildable from the attempt items.
    """

    quiz = models.ForeignKey(
        Quiz,
        on_delete=models.CASCADE,
        related_name="question_usage",
        verbose_name=_("测验"),
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="usage",
        verbose_name=_("题目"),
    )
    times_drawn = models.PositiveIntegerField(_("抽中次数"), default=0)

    class Meta:
        verbose_name = _("抽题次数")
        verbose_name_plural = _("抽题次数")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "question"], name="unique_usage_per_quiz_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.question_id} × {self.times_drawn}"
