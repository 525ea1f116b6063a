"""The question-bank category tree: 禁毒法 / 第三章 / …

A materialised path (django-treebeard, as for the organisation tree) makes "this
category and everything under it" one `path LIKE 'prefix%'` query. Categories are
identified by id (and, for a subtree, by tree path), never by a name prefix: that
was django-quiz-app's fault, where 禁毒法 and 禁毒法规 counted as one.

`full_path` is the human path ("禁毒法/第三章") that Moodle XML and GIFT category
paths map onto; it is unique, so an import finds the same category again.
Siblings are not kept sorted (no `node_order_by`): a sorted insert would rewrite
the tree paths of the siblings after it.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

PATH_SEPARATOR = "/"


def validate_category_name(value: str) -> None:
    if PATH_SEPARATOR in value:
        raise ValidationError(_("分类名称不能包含“/”。"), code="slash")
    if not value.strip():
        raise ValidationError(_("分类名称不能为空。"), code="blank")


class CategoryQuerySet(MP_NodeQuerySet):
    def subtree_of(self, category: "Category"):
        return self.filter(path__startswith=category.path)


class CategoryManager(MP_NodeManager):
    def get_queryset(self):
        return CategoryQuerySet(self.model, using=self._db).order_by("path")

    def subtree_of(self, category: "Category"):
        return self.get_queryset().subtree_of(category)


class Category(MP_Node):
    name = models.CharField(
        _("分类名称"), max_length=100, validators=[validate_category_name]
    )
    full_path = models.CharField(
        _("完整路径"),
        max_length=255,
        unique=True,
        editable=False,
        help_text=_("由上级分类名称依次连接而成，例如“禁毒法/第三章”。"),
    )
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CategoryManager()

    class Meta:
        verbose_name = _("题目分类")
        verbose_name_plural = _("题目分类")

    def __str__(self) -> str:
        return self.full_path or self.name

    def compute_full_path(self) -> str:
        parent = self.get_parent() if self.depth and self.depth > 1 else None
        name = self.name.strip()
        return f"{parent.full_path}{PATH_SEPARATOR}{name}" if parent else name

    def save(self, *args, **kwargs):
        self.name = self.name.strip()
        self.full_path = self.compute_full_path()
        super().save(*args, **kwargs)

    def contains(self, other: "Category") -> bool:
        return other.path.startswith(self.path)
