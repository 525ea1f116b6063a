"""Access tokens for the JSON API.

Only a SHA-256 hash of a token's secret is stored: the token itself is shown
once, when it is made (`api.tokens.token_create`), and cannot be read back. The
prefix (the first characters of the token) is kept so a person can tell their
tokens apart in the admin and in `manage.py api_token list`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Neither revoked nor expired, of an active account."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_api_tokens",
        verbose_name=_("账号"),
    )
    name = models.CharField(
        _("用途"), max_length=100, help_text=_("例如：移动端、智慧戒毒平台对接。")
    )
    prefix = models.CharField(_("令牌前缀"), max_length=16, editable=False)
    key_hash = models.CharField(
        _("令牌摘要"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("过期时间"), null=True, blank=True, help_text=_("留空表示不过期。")
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
