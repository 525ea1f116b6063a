"""Create, list and revoke API tokens of an account.

    manage.py api_token create <username> --name 移动端 [--days 365]
    manage.py api_token list <username>
    manage.py api_token revoke <username> <prefix>

`create` prints the token once; only its hash is kept, so it cannot be shown
again (revoke it and create another if it is lost).
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke JSON API tokens of a user (管理接口访问令牌)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make a token; printed once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument(
            "--days", type=int, default=None, help="expires after this many days"
        )
        listing = actions.add_parser("list", help="a user's tokens (prefix only)")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("username")
        revoke.add_argument("prefix")

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        return user

    def handle(self, *args, action: str, username: str, **options):
        user = self._user(username)
        if action == "create":
            days = options["days"]
            if days is not None and days < 1:
                raise CommandError("--days 必须是正整数。")
            expires_at = timezone.now() + timedelta(days=days) if days else None
            new = token_create(user=user, name=options["name"], expires_at=expires_at)
            self.stdout.write(new.secret)
            self.stderr.write(
                f"已为 {user.username} 创建令牌「{new.token.name}」"
                f"（前缀 {new.token.prefix}）。令牌只显示这一次，请妥善保存。"
            )
        elif action == "list":
            now = timezone.now()
            for token in ApiToken.objects.filter(user=user):
                if token.revoked_at:
                    state = "已吊销"
                elif not token.is_usable(now):
                    state = "已过期"
                else:
                    state = "有效"
                self.stdout.write(
                    "\t".join(
                        [
                            token.prefix,
                            token.name,
                            state,
                            f"创建 {token.created_at:%Y-%m-%d %H:%M}",
                            "最近使用 "
                            + (
                                f"{token.last_used_at:%Y-%m-%d %H:%M}"
                                if token.last_used_at
                                else "—"
                            ),
                            "过期 "
                            + (
                                f"{token.expires_at:%Y-%m-%d %H:%M}"
                                if token.expires_at
                                else "—"
                            ),
                        ]
                    )
                )
        else:
            prefix = options["prefix"]
            tokens = list(ApiToken.objects.filter(user=user, prefix=prefix))
            if not tokens:
                raise CommandError(f"{user.username} 没有前缀为 {prefix} 的令牌。")
            for token in tokens:
                if token_revoke(token=token):
                    self.stdout.write(f"已吊销 {token.prefix}（{token.name}）。")
                else:
                    self.stdout.write(f"{token.prefix} 早已吊销。")
