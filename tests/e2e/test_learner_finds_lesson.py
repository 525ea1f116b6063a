"""A community worker on a phone finds a textbook lesson by a Chinese search."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_chinese_search_finds_the_lesson_on_a_phone(
    live_server, demo_site_with_content, phone_page, screenshot
):
    page = phone_page
    page.goto(f"{live_server.url}/")
    search_box = page.get_by_role("searchbox", name="搜索课程")
    search_box.fill("严重违反社区戒毒协议")
    search_box.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("找到")
    result = page.get_by_role("link", name=re.compile("违反协议的处置"))
    expect(result).to_be_visible()
    expect(page.locator(".snippet mark").first).to_be_visible()
    screenshot("10-search-results")

    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("违反协议的处置")
    )
    expect(page.get_by_role("complementary", name="应知应会")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("11-lesson")

    # A query of punctuation only is answered, not an error.
    page.goto(f"{live_server.url}/search/?q=%EF%BC%81%EF%BC%9F")
    expect(page.get_by_role("status")).to_contain_text("请输入要搜索的中文或英文词语")
