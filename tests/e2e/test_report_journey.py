"""A bureau administrator drills from the province to a facility to a person and
exports the list to Excel; the file says what the screen said. A facility
administrator typing another facility's address is refused."""

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from courses.demo import DEMO_PASSWORD
from courses.models import LearnerProfile
from tests.e2e.test_facility_admin_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FACILITY = "某省第一强制隔离戒毒所"


@pytest.fixture
def hours(demo_site):
    """A few people of the first facility with hours, as the batch leaves them."""
    from django.contrib.auth import get_user_model

    from courses.services.records.aggregate import records_refresh_stale
    from courses.services.records.facts import stale_mark
    from courses.services.records.manual import hours_adjust

    admin = get_user_model().objects.get(username="bureau_admin")
    people = list(
        LearnerProfile.objects.filter(unit__code__startswith="GD-S01").order_by(
            "id_number"
        )[:3]
    )
    for number, learner in enumerate(people):
        hours_adjust(
            learner=learner,
            hours=Decimal(2 + number),
            reason="参加省局集中轮训",
            by=admin,
        )
    stale_mark(learner_ids=LearnerProfile.objects.values_list("id", flat=True))
    while records_refresh_stale():
        pass
    return {learner.id_number: Decimal(2 + n) for n, learner in enumerate(people)}


def test_bureau_admin_drills_down_and_exports_what_the_screen_shows(
    live_server, hours, browser, tmp_path
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    log_in(page, live_server.url, "bureau_admin", DEMO_PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="培训统计"
    ).click()
    expect(page.get_by_role("heading", name="培训统计")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()

    table = page.get_by_role("table", name="各单位培训完成情况")
    table.get_by_role("link", name=FACILITY).click()
    expect(page.get_by_role("heading", name=FACILITY)).to_be_visible()
    total_people = int(
        page.locator(".report-summary dd[data-col=headcount]").inner_text()
    )
    assert total_people > 0

    page.get_by_role("link", name="人员名单与学时").click()
    rows = page.locator("tr[data-person]")
    expect(rows.first).to_be_visible()
    people_url = page.url
    on_screen = {
        row.get_attribute("data-person"): Decimal(
            row.locator("td[data-col=hours]").inner_text()
        )
        for row in rows.all()
    }
    assert len(on_screen) == total_people
    for id_number, credited in hours.items():
        assert on_screen[id_number] == credited

    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出 Excel").click()
        expect(page.get_by_role("heading", name="导出完成")).to_be_visible()
        page.get_by_role("link", name="下载文件").click()
    path = tmp_path / "people.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path, read_only=True).worksheets[0]
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert header[0] == "编号" and "学时" in header
    in_file = {
        line[0]: Decimal(str(line[header.index("学时")])) for line in lines if line[0]
    }
    assert in_file == on_screen

    # From the list to the person's record.
    page.goto(people_url)
    first = next(iter(hours))
    page.locator(f"tr[data-person='{first}'] th a").click()
    expect(page.get_by_text("参加省局集中轮训").first).to_be_visible()
    context.close()


def test_facility_admin_cannot_open_another_facilitys_report(
    live_server, demo_site, phone_page
):
    page = phone_page
    log_in(page, live_server.url, "facility_admin", DEMO_PASSWORD)
    own = page.goto(f"{live_server.url}/reports/units/GD-S01/")
    assert own.status == 200
    expect(page.get_by_role("heading", name=FACILITY)).to_be_visible()
    other = page.goto(f"{live_server.url}/reports/units/GD-S02/")
    assert other.status == 404
    assert page.get_by_text("某省第二强制隔离戒毒所").count() == 0
    people = page.goto(f"{live_server.url}/reports/units/GD-S02/people/")
    assert people.status == 404
    # The page fits a phone.
    page.goto(f"{live_server.url}/reports/units/GD-S01/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
