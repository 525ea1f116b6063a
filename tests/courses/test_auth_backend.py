"""The signed-in user comes from the cache, and every change to the account
still takes effect on the next request."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models.roles import Role
from courses.services.roles import role_grant


def _user_selects(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    table = connection.ops.quote_name("courses_user")
    return response, [q for q in queries if f"FROM {table}" in q["sql"]]


def test_a_signed_in_request_does_not_read_the_account_again(client, people):
    user = people["F1-B1"].user
    client.force_login(user)
    url = reverse("courses:notifications")
    client.get(url)
    response, selects = _user_selects(client, url)
    assert response.status_code == 200
    assert selects == []


def test_deactivating_the_account_signs_the_user_out_at_once(client, people):
    user = people["F1-B1"].user
    client.force_login(user)
    url = reverse("courses:notifications")
    assert client.get(url).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(url).status_code == 302  # to the login page


def test_a_password_change_elsewhere_ends_this_session(client, people):
    user = people["F1-B1"].user
    client.force_login(user)
    url = reverse("courses:notifications")
    assert client.get(url).status_code == 200
    user.set_password("A-new-pass-2026")
    user.save()
    assert client.get(url).status_code == 302


def test_a_new_role_shows_on_the_next_request(client, people, province):
    user = people["F1-B1"].user
    client.force_login(user)
    url = reverse("courses:notifications")
    assert "单位与人员" not in client.get(url).content.decode()
    role_grant(user=user, role=Role.FACILITY_ADMIN, unit=province["F1"])
    assert "单位与人员" in client.get(url).content.decode()
