"""The training record: facts, the class-hour ledger, and aggregates built from them.

Facts (`LearningFact`) say what happened and are never changed. Each has a key
unique per learner, so the same event sent twice, retried or sent from two tabs
at once is one row. Credits (`HourCredit`) are the ledger of class-hours: each
names the fact it came from and has its own key, so repeat work never credits
twice. Aggregates (`LessonProgress`, `CourseProgress`, `LearnerYear`,
`UnitYear`) are kept apart, refreshed in batches from `RecordStale` markers and
rebuilt from facts and credits by `rebuild_training_records`.

Deleting a lesson or course page must not delete anyone's record: facts and
credits keep the page's title and a stable key, and the page link is nulled.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .learners import LearnerProfile
from .organisation import OrgUnit, Position


class FactKind(models.TextChoices):
    LESSON_OPENED = "lesson_opened", _("打开课程")
    TIME_ON_TASK = "time", _("学习时长")
    VIDEO = "video", _("观看视频")
    LESSON_COMPLETED = "lesson_completed", _("完成课程")
    QUIZ_PASSED = "quiz_passed", _("通过测验")
    QUIZ_REVOKED = "quiz_revoked", _("改判不合格")
    PRESENCE = "presence", _("确认在学")
    ATTENDANCE = "attendance", _("线下培训出勤")
    ADJUSTMENT = "adjustment", _("学时调整")


class LearningFact(models.Model):
    """One thing a learner did, as the server saw it."""

    learner = models.ForeignKey(
        LearnerProfile,
        on_delete=models.PROTECT,
        related_name="facts",
        verbose_name=_("学员"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=FactKind.choices)
    # Unique per learner: "open:L12", "beat:L12:29384756", "video:L12:30",
    # "done:L12", "quiz:<attempt token>", "unpass:<attempt token>:<n>",
    # "attend:<session>:<day>", "adjust:<uuid>".
    key = models.CharField(_("事件键"), max_length=100)
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("课程"),
    )
    quiz_code = models.CharField(_("测验代码"), max_length=64, blank=True)
    # The unit the learner belonged to when it happened: a move mid-year leaves
    # earlier facts with the old unit.
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在单位"),
    )
    occurred_at = models.DateTimeField(_("发生时间"))
    seconds = models.PositiveIntegerField(_("秒数"), null=True, blank=True)
    value = models.DecimalField(
        _("数值"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    title = models.CharField(_("名称"), max_length=255, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "key"], name="fact_unique_key_per_learner"
            )
        ]
        indexes = [
            models.Index(
                fields=["learner", "lesson", "kind"], name="fact_learner_lesson"
            ),
            models.Index(fields=["lesson", "kind"], name="fact_lesson_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.get_kind_display()} · {self.key}"


class CreditReason(models.TextChoices):
    LESSON = "lesson", _("在线课程")
    EXAM = "exam", _("考试合格")
    OFFLINE = "offline", _("线下培训")
    ADJUSTMENT = "adjustment", _("人工调整")


class HourCredit(models.Model):
    """One line of the class-hour ledger (学时记录), credited from one fact."""

    learner = models.ForeignKey(
        LearnerProfile,
        on_delete=models.PROTECT,
        related_name="credits",
        verbose_name=_("学员"),
    )
    # "lesson:L12" credits a lesson once, whatever repeats; "exam:<quiz code>"
    # an exam once; "attend:<session>:<day>" a class day once.
    key = models.CharField(_("学时键"), max_length=100)
    fact = models.OneToOneField(
        LearningFact,
        on_delete=models.PROTECT,
        related_name="credit",
        verbose_name=_("来源记录"),
    )
    reason = models.CharField(_("来源"), max_length=16, choices=CreditReason.choices)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    training_year = models.PositiveSmallIntegerField(_("培训年度"))
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("计入单位"),
    )
    title = models.CharField(_("名称"), max_length=255)
    credited_at = models.DateTimeField(_("计入时间"))

    class Meta:
        ordering = ["-credited_at", "-id"]
        verbose_name = _("学时")
        verbose_name_plural = _("学时")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "key"], name="credit_unique_key_per_learner"
            )
        ]
        indexes = [
            models.Index(
                fields=["learner", "training_year"], name="credit_learner_year"
            ),
            models.Index(fields=["unit", "training_year"], name="credit_unit_year"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.title} · {self.hours}"


class TrainingPolicy(models.Model):
    """How a bureau credits hours and where its training year begins."""

    bureau = models.OneToOneField(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="training_policy",
        verbose_name=_("戒毒管理局"),
    )
    year_starts_month = models.PositiveSmallIntegerField(
        _("年度起始月"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    year_starts_day = models.PositiveSmallIntegerField(
        _("年度起始日"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    exam_pass_hours = models.DecimalField(
        _("考试合格计学时"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        help_text=_("每场考试合格一次计入的学时，重复通过不再计入。"),
    )
    offline_day_hours = models.DecimalField(
        _("线下培训每天计学时"), max_digits=4, decimal_places=1, default=Decimal("6.0")
    )
    time_cap_ratio = models.DecimalField(
        _("学习时长上限倍数"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("2.0"),
        help_text=_("一课计入的学习时长不超过课程时长乘以此倍数。"),
    )
    presence_minutes = models.PositiveSmallIntegerField(
        _("防挂机确认间隔（分钟）"),
        default=0,
        validators=[MaxValueValidator(120)],
        help_text=_(
            "学员连续学习这么久后须点击“继续学习”确认仍在学习，未确认期间不计学习"
            "时长（观看视频也算在学习）。0 表示不检查。"
        ),
    )

    class Meta:
        verbose_name = _("学时规则")
        verbose_name_plural = _("学时规则")

    def __str__(self) -> str:
        return str(self.bureau)


class HourRequirement(models.Model):
    """The class-hours a position must earn in a training year."""

    policy = models.ForeignKey(
        TrainingPolicy,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("学时规则"),
    )
    position = models.ForeignKey(
        Position, on_delete=models.CASCADE, related_name="+", verbose_name=_("岗位")
    )
    hours = models.DecimalField(_("年度应修学时"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("年度学时要求")
        verbose_name_plural = _("年度学时要求")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="one_requirement_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.hours}"


class Assignment(models.Model):
    """A course made mandatory for a unit's whole subtree, optionally by position.

    Who is assigned is worked out when asked, so people who join the unit later
    have it too.
    """

    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        related_name="assignments",
        verbose_name=_("课程"),
    )
    course_title = models.CharField(_("课程名称"), max_length=255)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("单位（含下级）"),
    )
    positions = models.ManyToManyField(
        Position,
        blank=True,
        related_name="assignments",
        verbose_name=_("岗位"),
        help_text=_("不选表示该单位及下级的所有人员。"),
    )
    training_year = models.PositiveSmallIntegerField(_("培训年度"))
    due_on = models.DateField(_("完成期限"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("布置人"),
    )
    created_at = models.DateTimeField(_("布置时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("必修课程布置")
        verbose_name_plural = _("必修课程布置")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "unit", "training_year"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_assignment_per_course_unit_year",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "training_year"], name="assign_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.course_title} → {self.unit}（{self.training_year}）"


class RecordStale(models.Model):
    """A learner whose aggregates need refreshing (one row, however many events)."""

    learner = models.OneToOneField(
        LearnerProfile,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("学员"),
    )
    marked_at = models.DateTimeField(_("标记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待汇总学员")
        verbose_name_plural = _("待汇总学员")

    def __str__(self) -> str:
        return str(self.learner_id)


# ---- aggregates: derived, rebuildable, never written by a request ----


class LessonProgress(models.Model):
    learner = models.ForeignKey(
        LearnerProfile, on_delete=models.CASCADE, related_name="+"
    )
    lesson_id_ref = models.PositiveIntegerField(_("课程页面"))
    opened_at = models.DateTimeField(null=True)
    last_seen_at = models.DateTimeField(null=True)
    seconds = models.PositiveIntegerField(default=0)
    video_percent = models.PositiveSmallIntegerField(default=0)
    video_resume_at = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("课程学习进度")
        verbose_name_plural = _("课程学习进度")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson_id_ref"], name="one_progress_per_lesson"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · L{self.lesson_id_ref}"


class CourseProgress(models.Model):
    learner = models.ForeignKey(
        LearnerProfile, on_delete=models.CASCADE, related_name="+"
    )
    course_id_ref = models.PositiveIntegerField(_("课程页面"))
    required_lessons = models.PositiveIntegerField(default=0)
    completed_lessons = models.PositiveIntegerField(default=0)
    exam_passed = models.BooleanField(null=True)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("课程完成情况")
        verbose_name_plural = _("课程完成情况")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course_id_ref"], name="one_progress_per_course"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · C{self.course_id_ref}"

    @property
    def percent(self) -> int:
        if not self.required_lessons:
            return 100 if self.completed_at else 0
        done = min(self.completed_lessons, self.required_lessons)
        return int(done * 100 / self.required_lessons)


class LearnerYear(models.Model):
    """One learner's training year, as reports read it.

    Every learner refreshed gets a row for the current training year, credits or
    not, so a report counts people who have not earned an hour yet. The
    mandatory figures count the year's live assignments reaching the learner;
    the exam figures count exam-mode quizzes whose result is released, each
    exam once (its best attempt).
    """

    learner = models.ForeignKey(
        LearnerProfile, on_delete=models.CASCADE, related_name="years"
    )
    training_year = models.PositiveSmallIntegerField()
    hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    lesson_hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    exam_hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    offline_hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    adjustment_hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    lessons_completed = models.PositiveIntegerField(default=0)
    # The position's yearly requirement when last refreshed (None: none is set).
    required_hours = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True
    )
    mandatory_assigned = models.PositiveIntegerField(default=0)
    mandatory_completed = models.PositiveIntegerField(default=0)
    mandatory_overdue = models.PositiveIntegerField(default=0)
    exams_taken = models.PositiveIntegerField(default=0)
    exams_passed = models.PositiveIntegerField(default=0)
    # The sum over exams taken of the best percent: average = sum / taken.
    exam_percent_sum = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("学员年度学时")
        verbose_name_plural = _("学员年度学时")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "training_year"], name="one_summary_per_learner_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.training_year}"


class UnitYear(models.Model):
    """Hours credited while learners belonged to the unit itself (not its subtree;
    reports add up a subtree from these rows)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    training_year = models.PositiveSmallIntegerField()
    hours = models.DecimalField(max_digits=10, decimal_places=1, default=0)
    learners_credited = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("单位年度学时")
        verbose_name_plural = _("单位年度学时")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "training_year"], name="one_summary_per_unit_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.training_year}"


class UnitMonth(models.Model):
    """Hours credited in one calendar month while learners belonged to the unit
    itself (the monthly trend; a subtree adds these rows up)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    training_year = models.PositiveSmallIntegerField()
    month = models.DateField()  # the first day of the month
    hours = models.DecimalField(max_digits=10, decimal_places=1, default=0)
    credits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("单位月度学时")
        verbose_name_plural = _("单位月度学时")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "training_year", "month"],
                name="one_summary_per_unit_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.month:%Y-%m}"
