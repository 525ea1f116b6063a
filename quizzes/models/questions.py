"""Questions of the bank, one table for every type.

Why one table with a `kind` discriminator rather than django-quiz-app's concrete
subclasses (MCQuestion, TF_Question, Essay_Question): the bank's hot reads — a
blueprint drawing "10 single-choice of medium difficulty from 禁毒法 and below",
item statistics, the daily drill — filter on type, category and difficulty
together, which one indexed table answers without joins or down-casting. The
types differ only in their answers, and those live in typed rows (`Option` for
choice questions, `BlankAnswer` for fill-in-the-blank) plus two small columns
(`scoring` for multiple choice, `true_answer` for true/false); `composition_errors`
checks each type's shape. An importer writes one row whatever the type, and a
question can change type without moving tables.

Marking never reads these rows: an attempt marks from the snapshot taken when the
question was drawn (see `quizzes.scoring`). Editing a question raises `version`
and changes nothing already taken. A question used in an attempt cannot be
deleted (PROTECT); retire it with `is_active`.

Stems, explanations and options hold HTML as written by the author (images
included); they are sanitised when rendered.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import ItemBase, TagBase
from wagtail.models import Orderable

from .categories import Category


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")
    FILL_IN = "fill_in", _("填空题")
    ESSAY = "essay", _("简答题")


# Kinds marked by the machine from the snapshot; essays are marked by hand.
OBJECTIVE_KINDS = frozenset(
    {
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        QuestionKind.TRUE_FALSE,
        QuestionKind.FILL_IN,
    }
)
CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})


class Difficulty(models.TextChoices):
    EASY = "easy", _("容易")
    MEDIUM = "medium", _("中等")
    HARD = "hard", _("困难")


class MultipleScoring(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("全部选对才得分")
    PARTIAL = "partial", _("少选按比例得分，错选不得分")


class KnowledgePoint(TagBase):
    """A knowledge point (知识点): its own tag vocabulary, apart from page tags."""

    class Meta:
        verbose_name = _("知识点")
        verbose_name_plural = _("知识点")


class QuestionKnowledgePoint(ItemBase):
    tag = models.ForeignKey(
        KnowledgePoint,
        on_delete=models.CASCADE,
        related_name="tagged_questions",
        verbose_name=_("知识点"),
    )
    content_object = ParentalKey(
        "quizzes.Question",
        on_delete=models.CASCADE,
        related_name="knowledge_point_items",
        verbose_name=_("题目"),
    )

    class Meta:
        verbose_name = _("题目知识点")
        verbose_name_plural = _("题目知识点")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="unique_question_knowledge_point"
            )
        ]


class QuestionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_category(self, category: Category, *, include_subcategories: bool = True):
        if include_subcategories:
            return self.filter(category__path__startswith=category.path)
        return self.filter(category=category)


class Question(ClusterableModel):
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    stem = models.TextField(
        _("题干"), help_text=_("可含图片；显示时会清理不安全的内容。")
    )
    explanation = models.TextField(_("解析"), blank=True)
    difficulty = models.CharField(
        _("难度"),
        max_length=8,
        choices=Difficulty.choices,
        default=Difficulty.MEDIUM,
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="questions",
        verbose_name=_("分类"),
    )
    knowledge_points = ClusterTaggableManager(
        through=QuestionKnowledgePoint, blank=True, verbose_name=_("知识点")
    )
    points = models.DecimalField(
        _("默认分值"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scoring = models.CharField(
        _("多选题计分方式"),
        max_length=16,
        choices=MultipleScoring.choices,
        default=MultipleScoring.ALL_OR_NOTHING,
        help_text=_("仅对多选题有效。"),
    )
    true_answer = models.BooleanField(
        _("判断题答案"), null=True, blank=True, help_text=_("仅对判断题有效。")
    )
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用的题目不再被抽取，已有答卷不受影响。")
    )
    # The author's own key (Moodle <idnumber>, GIFT "// 编号:"): re-importing a
    # file finds the same question by it even after its stem was reworded.
    code = models.CharField(
        _("题目编号"),
        max_length=64,
        blank=True,
        help_text=_("选填，例如 JD-0001；非空时不能重复。导入时按编号找到已有题目。"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(code=""),
                name="unique_question_code",
            ),
        ]
        indexes = [
            # The blueprint draw: type and difficulty within a category.
            models.Index(
                fields=["category", "kind", "difficulty"],
                condition=models.Q(is_active=True),
                name="question_draw",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.get_kind_display()}] {self.stem[:40]}"

    def save(self, **kwargs):
        """Every edit raises `version`, atomically, so two editors never share one."""
        update_fields = kwargs.get("update_fields")
        if not self._state.adding:
            self.version = F("version") + 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(**kwargs)
        if isinstance(self.version, Combinable):
            self.refresh_from_db(fields=["version"])

    @property
    def is_objective(self) -> bool:
        return self.kind in OBJECTIVE_KINDS

    def composition_errors(self) -> list[str]:
        """What is wrong with this question's answers for its type, in Chinese.

        Reads the options through the cluster relations, so it also checks a
        question being edited in a form before anything is saved.
        """
        errors: list[str] = []
        options = list(self.options.all()) if self.kind in CHOICE_KINDS else []
        correct = sum(1 for option in options if option.is_correct)
        if self.kind in CHOICE_KINDS:
            if len(options) < 2:
                errors.append(_("选择题至少需要两个选项。"))
            if any(not option.text.strip() for option in options):
                errors.append(_("选项内容不能为空。"))
        if self.kind == QuestionKind.SINGLE and correct != 1:
            errors.append(_("单选题必须有且只有一个正确选项。"))
        if self.kind == QuestionKind.MULTIPLE and correct < 1:
            errors.append(_("多选题至少需要一个正确选项。"))
        if self.kind == QuestionKind.TRUE_FALSE and self.true_answer is None:
            errors.append(_("判断题必须给出正确答案。"))
        if self.kind == QuestionKind.FILL_IN:
            blanks = sorted(
                {a.blank for a in self.blank_answers.all() if a.text.strip()}
            )
            if not blanks:
                errors.append(_("填空题至少需要一个参考答案。"))
            elif blanks != list(range(1, len(blanks) + 1)):
                errors.append(_("填空题的空位须从1开始连续编号。"))
        return [str(error) for error in errors]


class Option(Orderable):
    """One choice of a single- or multiple-choice question: a row, never a string."""

    question = ParentalKey(
        Question,
        on_delete=models.CASCADE,
        related_name="options",
        verbose_name=_("题目"),
    )
    text = models.TextField(_("选项内容"))
    is_correct = models.BooleanField(_("正确"), default=False)

    class Meta(Orderable.Meta):
        verbose_name = _("选项")
        verbose_name_plural = _("选项")

    def __str__(self) -> str:
        return self.text[:40]


class BlankAnswer(Orderable):
    """An accepted answer for one blank of a fill-in-the-blank question.

    A blank may have several accepted answers (e.g. 《禁毒法》 and 禁毒法); a
    question with several blanks numbers them 1, 2, …
    """

    question = ParentalKey(
        Question,
        on_delete=models.CASCADE,
        related_name="blank_answers",
        verbose_name=_("题目"),
    )
    blank = models.PositiveSmallIntegerField(
        _("空位"), default=1, validators=[MinValueValidator(1)]
    )
    text = models.CharField(_("参考答案"), max_length=200)

    class Meta(Orderable.Meta):
        ordering = ["blank", "sort_order"]
        verbose_name = _("填空参考答案")
        verbose_name_plural = _("填空参考答案")

    def __str__(self) -> str:
        return f"{self.blank}: {self.text}"
