"""A facility administrator on a phone: log in, switch language, see the
facility's people and never another facility's."""

import re

import pytest
from playwright.sync_api import expect

from courses.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page, base_url, username, password):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_facility_admin_sees_own_people_in_both_languages(
    live_server, demo_site, phone_page, screenshot
):
    page = phone_page
    log_in(page, live_server.url, "facility_admin", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    screenshot("01-home-zh")

    page.get_by_role("link", name="查看单位与人员").click()
    expect(page.get_by_role("link", name="某省第一强制隔离戒毒所")).to_be_visible()
    expect(page.get_by_text("某省第二强制隔离戒毒所")).to_have_count(0)
    screenshot("02-units-zh")

    page.get_by_role("link", name="某省第一强制隔离戒毒所").click()
    people = page.locator("#people tbody tr")
    expect(people.first).to_be_visible()
    units_listed = set(
        page.locator("#people td[data-label='所在单位']").all_inner_texts()
    )
    assert units_listed and all(
        u.startswith("某省第一") or u.startswith("一所") for u in units_listed
    ), units_listed
    assert page.locator("#people").get_by_text("第二").count() == 0
    screenshot("03-people-zh")

    # The page must fit a phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("界面语言").select_option("en")
    expect(page.get_by_role("heading", name=re.compile("^People"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot("04-people-en")

    # Another facility's unit typed by hand: a 404 page, no names.
    response = page.goto(f"{live_server.url}/org/units/GD-S02/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert page.locator("#people").count() == 0
    screenshot("05-other-facility-404-en")


def test_wrong_password_then_lockout_on_a_phone(
    live_server, demo_site, phone_page, screenshot
):
    page = phone_page
    log_in(page, live_server.url, "officer", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")
    screenshot("06-wrong-password")
    for _ in range(5):
        log_in(page, live_server.url, "officer", "not-the-password")
    log_in(page, live_server.url, "officer", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="账号已暂时锁定")).to_be_visible()
    screenshot("07-locked-out")
