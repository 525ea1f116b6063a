"""Attempts (django-quiz-app's "sitting"), their items, and the re-mark audit.

Facts, kept for good: an attempt's items carry a JSON snapshot of each question
as it was drawn (type, stem, options with ids and correctness, accepted answers,
version), so editing or retiring a question never changes a paper already taken,
and marking reads only the snapshot. The question itself stays referenced
(PROTECT) for item statistics.

An attempt goes in_progress → needs_marking (essays wait for a trainer) or
straight to marked, in the transaction that submits it; there is no resting
"submitted but unmarked" state because objective marking is synchronous. Once
submitted, only `item_mark` and `item_remark` change it, and every re-mark
leaves a `ReMark` row.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .categories import Category
from .questions import Question, QuestionKind
from .quizzes import Quiz


def new_attempt_token() -> str:
    """72 random bits, URL-safe: attempt URLs cannot be guessed from ids."""
    return secrets.token_urlsafe(9)


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("作答中")
    NEEDS_MARKING = "needs_marking", _("待阅卷")
    MARKED = "marked", _("已评分")


class SubmitReason(models.TextChoices):
    LEARNER = "learner", _("学员交卷")
    TIMEOUT = "timeout", _("时间到自动交卷")


class AttemptQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status=AttemptStatus.IN_PROGRESS)

    def finished(self):
        return self.exclude(status=AttemptStatus.IN_PROGRESS)

    def overdue(self, now):
        return self.in_progress().filter(deadline__lte=now)


class Attempt(models.Model):
    token = models.CharField(
        _("答卷编号"),
        max_length=16,
        unique=True,
        default=new_attempt_token,
        editable=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="quiz_attempts",
        verbose_name=_("学员"),
    )
    quiz = models.ForeignKey(
        Quiz,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("测验"),
    )
    number = models.PositiveIntegerField(_("第几次作答"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=AttemptStatus.choices,
        default=AttemptStatus.IN_PROGRESS,
    )
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(
        _("截止时间"),
        null=True,
        blank=True,
        help_text=_("由服务器在开始时计算：开始时间加限时与测验结束时间中较早者。"),
    )
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    submit_reason = models.CharField(
        _("交卷方式"), max_length=16, choices=SubmitReason.choices, blank=True
    )
    score = models.DecimalField(
        _("得分"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_score = models.DecimalField(
        _("满分"), max_digits=8, decimal_places=2, default=0
    )
    percent = models.DecimalField(
        _("得分率（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("及格"), null=True, blank=True)
    marked_at = models.DateTimeField(_("评分完成时间"), null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["quiz", "user", "number"]
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            # Also the (quiz, user) index: a learner's attempts at a quiz.
            models.UniqueConstraint(
                fields=["quiz", "user", "number"], name="unique_attempt_number"
            ),
            # Two tabs or devices starting at once get one attempt, not two.
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=Q(status=AttemptStatus.IN_PROGRESS),
                name="one_open_attempt_per_user_quiz",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="attempt_number_gte_1"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "started_at"], name="attempt_user_started"),
            # The marking queue and per-quiz results.
            models.Index(fields=["quiz", "status"], name="attempt_quiz_status"),
            # attempts_expire: overdue attempts still open.
            models.Index(
                fields=["deadline"],
                condition=Q(status=AttemptStatus.IN_PROGRESS),
                name="attempt_open_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.user} · #{self.number}"

    @property
    def is_in_progress(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    def is_overdue(self, now) -> bool:
        return self.deadline is not None and now >= self.deadline


class AttemptItem(models.Model):
    """One question of one attempt: the snapshot it was drawn as, and the answer."""

    attempt = models.ForeignKey(
        Attempt,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("答卷"),
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    question = models.ForeignKey(
        Question,
        on_delete=models.PROTECT,
        related_name="attempt_items",
        verbose_name=_("题目"),
    )
    # Copied from the snapshot so progress and statistics group in SQL.
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="attempt_items",
        verbose_name=_("分类"),
    )
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    snapshot = models.JSONField(_("题目快照"))
    option_order = models.JSONField(
        _("选项显示顺序"), default=list, blank=True, help_text=_("选项编号的列表。")
    )
    response = models.JSONField(_("作答"), null=True, blank=True)
    answered_at = models.DateTimeField(_("作答时间"), null=True, blank=True)
    revision = models.PositiveIntegerField(
        _("保存次数"),
        default=0,
        help_text=_("每次改变作答加一；客户端据此避免旧请求覆盖新答案。"),
    )
    checked_at = models.DateTimeField(
        _("即时反馈时间"),
        null=True,
        blank=True,
        help_text=_("练习模式下显示对错的时间；此后本题答案不能再改。"),
    )
    is_correct = models.BooleanField(_("正确"), null=True, blank=True)
    score = models.DecimalField(
        _("得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("阅卷人"),
    )
    marked_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    marker_comment = models.TextField(_("阅卷评语"), blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("答题记录")
        verbose_name_plural = _("答题记录")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="unique_item_position"
            ),
            models.UniqueConstraint(
                fields=["attempt", "question"], name="unique_item_question"
            ),
        ]
        # `question` and `category` carry their own foreign-key indexes, which
        # item statistics and progress rebuilds use.

    def __str__(self) -> str:
        return f"{self.attempt} · {self.position}"

    @property
    def is_answered(self) -> bool:
        return self.response is not None


class ReMark(models.Model):
    """The audit record of a score changed after marking (重新评分)."""

    item = models.ForeignKey(
        AttemptItem,
        on_delete=models.PROTECT,
        related_name="remarks",
        verbose_name=_("答题记录"),
    )
    old_score = models.DecimalField(_("原得分"), max_digits=6, decimal_places=2)
    new_score = models.DecimalField(_("新得分"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("原因"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评分人"),
    )
    marked_at = models.DateTimeField(_("评分时间"))

    class Meta:
        ordering = ["item", "marked_at", "id"]
        verbose_name = _("重新评分记录")
        verbose_name_plural = _("重新评分记录")

    def __str__(self) -> str:
        return f"{self.item}: {self.old_score} → {self.new_score}"
