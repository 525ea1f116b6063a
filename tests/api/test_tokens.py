"""Token authentication: only a usable token of an active account gets in, every
refusal is a 401 with a Chinese message, and the secret is never stored."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_authenticate, token_create, token_hash, token_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/hours"


@pytest.fixture
def learner(people):
    return people["F1-B1"]


def _get(client, header: str | None):
    headers = {"Authorization": header} if header is not None else {}
    return client.get(URL, headers=headers)


def _refused(response, message: str):
    assert response.status_code == 401, response.content.decode()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"detail": message}
    assert response["WWW-Authenticate"].startswith("Bearer")
    # Chinese as it is, not \u escapes.
    assert message.encode() in response.content


def test_a_valid_token_gets_in(client, learner):
    secret = token_create(user=learner.user, name="移动端").secret
    response = _get(client, f"Bearer {secret}")
    assert response.status_code == 200, response.content.decode()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "缺少访问令牌。"),
        ("", "缺少访问令牌。"),
        ("Bearer ", "缺少访问令牌。"),
        ("Bearer jdt_not-a-real-token", "访问令牌无效。"),
        ("Basic dXNlcjpwYXNz", "请在 Authorization 请求头中使用 Bearer 访问令牌。"),
    ],
)
def test_missing_or_wrong_token_is_401_in_chinese(client, learner, header, message):
    _refused(_get(client, header), message)


def test_a_session_is_not_enough(client, learner):
    client.force_login(learner.user)
    _refused(_get(client, None), "缺少访问令牌。")


def test_expired_token_is_refused(client, learner):
    new = token_create(
        user=learner.user, name="旧", expires_at=timezone.now() - timedelta(seconds=1)
    )
    _refused(_get(client, f"Bearer {new.secret}"), "访问令牌已过期。")


def test_revoked_token_is_refused(client, learner):
    new = token_create(user=learner.user, name="x")
    assert token_revoke(token=new.token) is True
    assert token_revoke(token=new.token) is False
    _refused(_get(client, f"Bearer {new.secret}"), "访问令牌已被吊销。")


def test_token_of_an_inactive_account_is_refused(client, learner):
    new = token_create(user=learner.user, name="x")
    learner.user.is_active = False
    learner.user.save()
    _refused(_get(client, f"Bearer {new.secret}"), "该账号已停用。")


def test_only_a_hash_and_a_prefix_are_stored(learner):
    new = token_create(user=learner.user, name="x")
    row = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret.startswith("jdt_") and len(new.secret) > 40
    assert row.key_hash == token_hash(new.secret) != new.secret
    assert row.prefix == new.secret[:12]
    values = [str(v) for v in ApiToken.objects.values_list().get(pk=row.pk)]
    assert new.secret not in values


def test_last_used_is_written_at_most_once_a_minute(learner, django_assert_num_queries):
    new = token_create(user=learner.user, name="x")
    t0 = timezone.now()
    token_authenticate(new.secret, now=t0)
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == t0
    with django_assert_num_queries(1):  # the lookup only, no write
        token_authenticate(new.secret, now=t0 + timedelta(seconds=30))
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == t0
    later = t0 + timedelta(seconds=61)
    token_authenticate(new.secret, now=later)
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == later


def test_command_creates_lists_and_revokes(client, learner):
    out, err = StringIO(), StringIO()
    username = learner.user.username
    call_command(
        "api_token",
        "create",
        username,
        "--name",
        "智慧戒毒",
        "--days",
        "30",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(user=learner.user)
    assert token.key_hash == token_hash(secret) and token.name == "智慧戒毒"
    assert token.expires_at > timezone.now() + timedelta(days=29)
    assert "只显示这一次" in err.getvalue()
    assert _get(client, f"Bearer {secret}").status_code == 200

    listing = StringIO()
    call_command("api_token", "list", username, stdout=listing)
    assert token.prefix in listing.getvalue() and "有效" in listing.getvalue()
    assert secret not in listing.getvalue()

    call_command("api_token", "revoke", username, token.prefix, stdout=StringIO())
    assert _get(client, f"Bearer {secret}").status_code == 401
    listing = StringIO()
    call_command("api_token", "list", username, stdout=listing)
    assert "已吊销" in listing.getvalue()


def test_command_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="用户不存在"):
        call_command("api_token", "create", "nobody", stdout=StringIO())


def test_admin_lists_tokens_by_prefix_and_can_revoke(client, learner):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    new = token_create(user=learner.user, name="移动端")
    client.force_login(admin)
    page = client.get("/django-admin/api/apitoken/")
    assert page.status_code == 200
    text = page.content.decode()
    assert new.token.prefix in text and new.secret not in text
    assert new.token.key_hash not in text
    detail = client.get(f"/django-admin/api/apitoken/{new.token.pk}/change/")
    assert (
        detail.status_code == 200 and new.token.key_hash not in detail.content.decode()
    )
    response = client.post(
        "/django-admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [new.token.pk]},
    )
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is not None


def test_writes_need_no_csrf_token_because_no_cookie_is_trusted(learner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner.user)  # a session cookie alone gets nothing
    response = strict.post(
        "/api/v1/me/quizzes/none/attempts", content_type="application/json"
    )
    assert response.status_code == 401
    secret = token_create(user=learner.user, name="x").secret
    response = strict.post(
        "/api/v1/me/quizzes/none/attempts",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 404  # past auth and CSRF: no such quiz
    assert response.json() == {"detail": "测验不存在。"}
