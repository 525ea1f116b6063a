"""The home page, login, lockout and the language switch."""

import pytest
from django.urls import reverse

from cms.demo import demo_home_page_load
from tests.factories import LearnerFactory

PASSWORD = "Pass-1234-word"


@pytest.fixture
def home(db):
    return demo_home_page_load()


def test_home_page_is_chinese_by_default(client, home):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "登录开始学习" in html


def test_language_switch_gives_english_and_back(client, home):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, follow=True
    )
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in to start learning" in html
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True
    )
    assert "登录开始学习" in response.content.decode()


def test_home_page_greets_a_learner_with_unit_and_position(client, home, province):
    learner = LearnerFactory(unit=province["F1-B1"], real_name="张建国")
    client.force_login(learner.user)
    html = client.get("/").content.decode()
    assert "您好，张建国" in html
    assert "一所一大队" in html and "教育矫治岗" in html


def test_login_with_right_password(client, home, province):
    learner = LearnerFactory(unit=province["F1-B1"])
    response = client.post(
        reverse("login"), {"username": learner.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner.user


def test_wrong_password_shows_chinese_error_tied_to_the_form(client, home, province):
    learner = LearnerFactory(unit=province["F1-B1"])
    response = client.post(
        reverse("login"), {"username": learner.user.username, "password": "wrong"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个正确的" in html  # Django's own zh-hans message
    assert 'role="alert"' in html
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client, home, province, settings
):
    learner = LearnerFactory(unit=province["F1-B1"])
    username = learner.user.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_account_leaves_colleagues_at_the_same_address_alone(
    client, home, province, settings
):
    victim = LearnerFactory(unit=province["F1-B1"])
    colleague = LearnerFactory(unit=province["F1-B1"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"), {"username": victim.user.username, "password": "x"}
        )
    response = client.post(
        reverse("login"), {"username": colleague.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_logout_is_a_post(client, home, province):
    learner = LearnerFactory(unit=province["F1-B1"])
    client.force_login(learner.user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_page_not_found_is_friendly_and_chinese(client, home):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
