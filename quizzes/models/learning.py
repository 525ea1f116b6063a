"""What a learner has learned: the wrong-answer book and progress per category.

`WrongAnswer` (错题本) holds one row per learner and question, with the spaced
review schedule (`due_at`) the daily drill reads. `CategoryProgress` is an
aggregate, kept apart from the facts (attempt items) and rebuildable from them
with `progress_rebuild`; it is keyed by category id, never by a name.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .attempts import AttemptItem
from .categories import Category
from .questions import Question


class WrongAnswerQuerySet(models.QuerySet):
    def unmastered(self):
        return self.filter(mastered_at__isnull=True)

    def due(self, until):
        return self.unmastered().filter(due_at__lte=until)


class WrongAnswer(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wrong_answers",
        verbose_name=_("学员"),
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="wrong_answers",
        verbose_name=_("题目"),
    )
    times_wrong = models.PositiveIntegerField(_("答错次数"), default=0)
    last_wrong_at = models.DateTimeField(_("最近答错时间"))
    consecutive_correct = models.PositiveSmallIntegerField(_("连续答对次数"), default=0)
    last_reviewed_at = models.DateTimeField(_("最近复习时间"), null=True, blank=True)
    due_at = models.DateTimeField(
        _("下次复习时间"), null=True, blank=True, help_text=_("已掌握的题目为空。")
    )
    mastered_at = models.DateTimeField(_("掌握时间"), null=True, blank=True)
    first_item = models.ForeignKey(
        AttemptItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("首次答错记录"),
    )
    last_item = models.ForeignKey(
        AttemptItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最近作答记录"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = WrongAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["-last_wrong_at", "id"]
        verbose_name = _("错题")
        verbose_name_plural = _("错题本")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"], name="unique_wrong_answer"
            )
        ]
        indexes = [
            # The daily drill: a learner's unmastered questions due for review.
            models.Index(
                fields=["user", "due_at"],
                condition=Q(mastered_at__isnull=True),
                name="wrong_answer_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.question_id} × {self.times_wrong}"

    @property
    def is_mastered(self) -> bool:
        return self.mastered_at is not None


class CategoryProgress(models.Model):
    """A learner's marked items in one category, summed over finished attempts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_category_progress",
        verbose_name=_("学员"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name=_("分类"),
    )
    items = models.PositiveIntegerField(_("题数"), default=0)
    answered = models.PositiveIntegerField(_("作答题数"), default=0)
    correct = models.PositiveIntegerField(_("答对题数"), default=0)
    score = models.DecimalField(_("得分"), max_digits=10, decimal_places=2, default=0)
    max_score = models.DecimalField(
        _("满分"), max_digits=10, decimal_places=2, default=0
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["user", "category"]
        verbose_name = _("分类进度")
        verbose_name_plural = _("分类进度")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="unique_category_progress"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.category} · {self.score}/{self.max_score}"
