"""Roles attached to a unit: a role reaches its unit's whole subtree, nothing else."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .organisation import OrgUnit, UnitKind


class Role(models.TextChoices):
    TRAINER = "trainer", _("教员")
    FACILITY_ADMIN = "facility_admin", _("单位管理员")
    BUREAU_ADMIN = "bureau_admin", _("戒毒管理局管理员")


# The unit kinds each role may be attached to.
ROLE_UNIT_KINDS: dict[str, set[str]] = {
    Role.TRAINER: set(UnitKind.values),
    Role.FACILITY_ADMIN: {UnitKind.FACILITY, UnitKind.COMMUNITY_OFFICE},
    Role.BUREAU_ADMIN: {UnitKind.BUREAU},
}


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("单位"),
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("授予人"),
    )

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], name="unique_role_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    def clean(self) -> None:
        if self.unit_id and self.unit.kind not in ROLE_UNIT_KINDS[self.role]:
            raise ValidationError(
                {
                    "unit": _("%(role)s不能授予在%(kind)s类单位上。")
                    % {
                        "role": self.get_role_display(),
                        "kind": self.unit.get_kind_display(),
                    }
                }
            )
