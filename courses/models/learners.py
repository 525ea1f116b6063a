"""Users, their learner profiles, and the history of which unit each belonged to."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .organisation import OrgUnit, Position


class User(AbstractUser):
    """The login account. The person behind it is described by `LearnerProfile`."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_full_name(self) -> str:
        profile = getattr(self, "learner", None)
        if profile is not None:
            return profile.real_name
        return super().get_full_name() or self.username

    def get_short_name(self) -> str:
        return self.get_full_name()


class IdentityKind(models.TextChoices):
    OFFICER = "officer", _("民警")
    COMMUNITY_WORKER = "community_worker", _("社区禁毒专干")
    VOLUNTEER = "volunteer", _("禁毒志愿者")


class LearnerProfileQuerySet(models.QuerySet):
    def within_scope_of(self, user, capability=None):
        from courses.selectors.scope import Capability, unit_scope_q

        return self.filter(
            unit_scope_q(
                user=user,
                capability=capability or Capability.VIEW_PEOPLE,
                path_field="unit__path",
            )
        )

    def in_subtree_of(self, unit: OrgUnit):
        return self.filter(unit__path__startswith=unit.path)


class LearnerProfile(models.Model):
    """A person who trains here: an officer, a community worker or a volunteer."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="learner",
        verbose_name=_("账号"),
    )
    real_name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(
        _("编号"),
        max_length=32,
        unique=True,
        help_text=_("民警填警号，其他人员填工号或人员编号。"),
    )
    identity = models.CharField(
        _("身份类型"), max_length=32, choices=IdentityKind.choices
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        related_name="learners",
        verbose_name=_("岗位"),
    )
    # The current unit. The open `UnitMembership` is the record; this copy keeps
    # every scope and report query a single join. Only `learner_move` changes it.
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="learners",
        verbose_name=_("所在单位"),
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LearnerProfileQuerySet.as_manager()

    IdentityKind = IdentityKind

    class Meta:
        ordering = ["id_number"]
        verbose_name = _("学员档案")
        verbose_name_plural = _("学员档案")
        indexes = [models.Index(fields=["unit", "position"], name="learner_unit_pos")]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.id_number}）"


class MembershipSource(models.TextChoices):
    ROSTER_IMPORT = "roster_import", _("花名册导入")
    MANUAL = "manual", _("手工调整")
    DEMO = "demo", _("演示数据")


class UnitMembershipQuerySet(models.QuerySet):
    def overlapping(self, start, end):
        """Memberships that covered at least one day of [start, end]."""
        return self.filter(started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=start)
        )

    def open(self):
        return self.filter(ended_on__isnull=True)


class UnitMembership(models.Model):
    """One stay of a learner in a unit, over [started_on, ended_on).

    `ended_on` is the first day the learner no longer belonged to the unit, so a
    move on day D closes the old stay on D and opens the new one on D. Rows are
    never deleted: reports ask "who was in this facility in 2025".
    """

    learner = models.ForeignKey(
        LearnerProfile,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("学员"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("单位"),
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    source = models.CharField(
        _("来源"), max_length=32, choices=MembershipSource.choices
    )
    roster_import = models.ForeignKey(
        "courses.RosterImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("导入批次"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = UnitMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["learner", "started_on", "id"]
        verbose_name = _("任职记录")
        verbose_name_plural = _("任职记录")
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=Q(ended_on__isnull=True),
                name="one_open_membership_per_learner",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="membership_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "started_on", "ended_on"], name="membership_unit_period"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.learner} @ {self.unit} [{self.started_on}, {self.ended_on or '…'})"
        )
