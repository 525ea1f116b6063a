"""Making, checking and revoking API tokens.

A token reads `jdt_<random>`: 43 URL-safe characters of randomness (256 bits)
after a fixed marker, so a leaked token is easy to recognise in logs and code.
It is looked up by the SHA-256 of the whole token; the secret is never stored.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken

TOKEN_MARKER = "jdt_"
PREFIX_LENGTH = 12  # "jdt_" and 8 random characters
# A token's last use is written at most this often: a busy client does not
# turn every request into a write.
LAST_USED_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_create(
    *, user, name: str, expires_at: datetime | None = None, now=None
) -> NewToken:
    secret = TOKEN_MARKER + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or _("未命名"),
        prefix=secret[:PREFIX_LENGTH],
        key_hash=token_hash(secret),
        created_at=now or timezone.now(),
        expires_at=expires_at,
    )
    return NewToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken, now=None) -> bool:
    """Revoke `token`; False when it was already revoked."""
    now = now or timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if updated:
        token.revoked_at = now
    return bool(updated)


class TokenRefused(Exception):
    """The token cannot be used; the message says why, in Chinese."""


def token_authenticate(secret: str, *, now=None) -> ApiToken:
    """The usable token for `secret`, with its user; raises TokenRefused."""
    now = now or timezone.now()
    secret = secret.strip()
    if not secret:
        raise TokenRefused(_("缺少访问令牌。"))
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(secret))
        .first()
    )
    if token is None:
        raise TokenRefused(_("访问令牌无效。"))
    if token.revoked_at is not None:
        raise TokenRefused(_("访问令牌已被吊销。"))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused(_("访问令牌已过期。"))
    if not token.user.is_active:
        raise TokenRefused(_("该账号已停用。"))
    _touch(token, now)
    return token


def _touch(token: ApiToken, now: datetime) -> None:
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    # Conditional, so concurrent requests write it once per minute at most.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now
