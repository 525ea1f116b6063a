"""Offline classes (培训班): a roster with a capacity and a waitlist, and the days
on which attendance is taken.

Attendance itself is a fact (`LearningFact` of kind ATTENDANCE, key
"attend:<class code>:<date>") with its credit, written through the one write
path in courses.services.records.facts, so a scan repeated or a trainer's tick
after a scan is one fact and one credit. The class code is part of those keys
and never changes once the class exists.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .learners import LearnerProfile
from .organisation import OrgUnit

# Path segments of the class pages that a class code must not take.
RESERVED_CLASS_CODES = {"new", "mine", "checkin"}
MAX_CLASS_DAYS = 90


class OfflineClass(models.Model):
    title = models.CharField(_("培训班名称"), max_length=200)
    code = models.CharField(
        _("培训班编号"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                _("编号只能包含字母、数字和连字符，且以字母或数字开头。"),
            )
        ],
        help_text=_("例如 2026-SQ-01。创建后不能修改。"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="offline_classes",
        verbose_name=_("主办单位"),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="classes_trained",
        verbose_name=_("培训教员"),
    )
    place = models.CharField(_("培训地点"), max_length=200)
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结班日期"))
    hours_per_day = models.DecimalField(
        _("每天计学时"),
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal("0.5")),
            MaxValueValidator(Decimal("12")),
        ],
    )
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    # Share of the class days a learner must attend to finish it and get its
    # certificate (结业出勤要求).
    completion_percent = models.PositiveSmallIntegerField(
        _("结业出勤要求（%）"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("出勤天数达到培训天数的这一比例方可结业，并自动颁发结业证书。"),
    )
    description = models.TextField(_("培训内容"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="class_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"

    def clean(self) -> None:
        if self.code and self.code.lower() in RESERVED_CLASS_CODES:
            raise ValidationError({"code": _("该编号为系统保留，请换一个。")})
        if self.starts_on and self.ends_on:
            if self.ends_on < self.starts_on:
                raise ValidationError({"ends_on": _("结班日期不能早于开班日期。")})
            if (self.ends_on - self.starts_on).days + 1 > MAX_CLASS_DAYS:
                raise ValidationError(
                    {
                        "ends_on": _("培训班最长 %(days)s 天。")
                        % {"days": MAX_CLASS_DAYS}
                    }
                )


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("正式学员")
    WAITLISTED = "waitlisted", _("候补")
    WITHDRAWN = "withdrawn", _("已退出")


class ClassEnrolment(models.Model):
    offline_class = models.ForeignKey(
        OfflineClass,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("培训班"),
    )
    learner = models.ForeignKey(
        LearnerProfile,
        on_delete=models.PROTECT,
        related_name="class_enrolments",
        verbose_name=_("学员"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=EnrolmentStatus.choices)
    # Order on the waitlist (smaller first); empty unless waitlisted.
    waitlist_position = models.PositiveIntegerField(
        _("候补顺序"), null=True, blank=True
    )
    enrolled_at = models.DateTimeField(_("报名时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["offline_class", "status", "waitlist_position", "enrolled_at"]
        verbose_name = _("培训班学员")
        verbose_name_plural = _("培训班学员")
        constraints = [
            models.UniqueConstraint(
                fields=["offline_class", "learner"], name="one_enrolment_per_class"
            ),
            models.CheckConstraint(
                condition=Q(status="waitlisted", waitlist_position__isnull=False)
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="waitlist_position_iff_waitlisted",
            ),
        ]
        indexes = [
            models.Index(
                fields=["offline_class", "status"], name="enrolment_class_status"
            ),
            models.Index(fields=["learner", "status"], name="enrolment_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} @ {self.offline_class_id} · {self.status}"


class ClassDay(models.Model):
    """A day of the class on which attendance is taken."""

    offline_class = models.ForeignKey(
        OfflineClass,
        on_delete=models.CASCADE,
        related_name="days",
        verbose_name=_("培训班"),
    )
    date = models.DateField(_("日期"))

    class Meta:
        ordering = ["offline_class", "date"]
        verbose_name = _("培训日")
        verbose_name_plural = _("培训日")
        constraints = [
            models.UniqueConstraint(
                fields=["offline_class", "date"], name="one_day_per_class_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offline_class_id} · {self.date}"

    @property
    def fact_key(self) -> str:
        """The key of a learner's attendance fact and credit for this day."""
        return attendance_key(self.offline_class.code, self.date)


def attendance_key(class_code: str, day) -> str:
    return f"attend:{class_code}:{day.isoformat()}"
