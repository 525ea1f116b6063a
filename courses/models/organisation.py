"""The organisation tree: bureau → facility → brigade / centre; bureau → office.

A materialised path (django-treebeard, already shipped with Wagtail) makes
"everything under this unit" one `path LIKE 'prefix%'` query on an indexed column,
which every report and scope check relies on.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("戒毒管理局")
    FACILITY = "facility", _("戒毒所")
    BRIGADE = "brigade", _("大队")
    CENTRE = "centre", _("专业中心")
    DEPARTMENT = "department", _("科室")
    COMMUNITY_OFFICE = "community_office", _("禁毒办")
    COMMUNITY_STATION = "community_station", _("社区康复工作站")


# Which kinds a unit of each kind may sit under; None means "may be a root".
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    UnitKind.BUREAU: {None},
    UnitKind.FACILITY: {UnitKind.BUREAU},
    UnitKind.BRIGADE: {UnitKind.FACILITY},
    UnitKind.CENTRE: {UnitKind.FACILITY},
    UnitKind.DEPARTMENT: {UnitKind.BUREAU, UnitKind.FACILITY},
    UnitKind.COMMUNITY_OFFICE: {UnitKind.BUREAU, UnitKind.COMMUNITY_OFFICE},
    UnitKind.COMMUNITY_STATION: {UnitKind.COMMUNITY_OFFICE},
}


class OrgUnitQuerySet(MP_NodeQuerySet):
    def within_scope_of(self, user, capability=None):
        from courses.selectors.scope import Capability, unit_scope_q

        return self.filter(
            unit_scope_q(user=user, capability=capability or Capability.VIEW_PEOPLE)
        )

    def subtree_of(self, unit: "OrgUnit"):
        return self.filter(path__startswith=unit.path)


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self):
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")

    def within_scope_of(self, user, capability=None):
        return self.get_queryset().within_scope_of(user, capability)

    def subtree_of(self, unit: "OrgUnit"):
        return self.get_queryset().subtree_of(unit)


class OrgUnit(MP_Node):
    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=32, choices=UnitKind.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    node_order_by = ["code"]
    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    @property
    def parent_code(self) -> str | None:
        parent = self.get_parent()
        return parent.code if parent else None

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)

    def facility(self) -> "OrgUnit | None":
        """The facility (or community office) this unit belongs to, itself included."""
        lineage = list(self.get_ancestors()) + [self]
        for unit in reversed(lineage):
            if unit.kind in (UnitKind.FACILITY, UnitKind.COMMUNITY_OFFICE):
                return unit
        return None


class Position(models.Model):
    """A post (岗位) from an editable catalogue; courses are assigned by position."""

    code = models.SlugField(_("岗位代码"), max_length=32, unique=True)
    name = models.CharField(_("岗位名称"), max_length=50, unique=True)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用的岗位不能再用于导入新人员。")
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self) -> str:
        return self.name
