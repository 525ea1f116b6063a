"""An officer on the class roster scans today's attendance QR code (simulated:
the test takes the code the room's screen shows) on a phone, logs in, and sees
the class hours credited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from courses.demo import DEMO_PASSWORD
from courses.models import ClassDay, HourCredit, LearnerYear, OrgUnit
from courses.services.records.aggregate import records_refresh_stale
from courses.services.records.classes import (
    attendance_code_current,
    class_create,
    class_enrol,
)
from courses.services.records.policy import current_training_year

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_officer_scans_the_class_code_and_sees_the_hours(
    live_server, demo_site, phone_page, screenshot
):
    users = get_user_model().objects
    trainer, officer = users.get(username="trainer"), users.get(username="officer")
    today = timezone.localdate()
    offline_class = class_create(
        title="社区戒毒工作实务培训班",
        code="E2E-01",
        unit=OrgUnit.objects.get(code="GD-S01"),
        place="一所报告厅",
        starts_on=today,
        ends_on=today + timedelta(days=1),
        capacity=30,
        hours_per_day=Decimal("6.0"),
        by=trainer,
    )
    class_enrol(offline_class=offline_class, learner=officer.learner, by=trainer)
    day = ClassDay.objects.select_related("offline_class").get(
        offline_class=offline_class, date=today
    )
    code = attendance_code_current(day=day).code

    page = phone_page
    # The QR code leads to the check-in page; the phone is not logged in yet.
    page.goto(
        f"{live_server.url}/classes/checkin/?c=E2E-01&d={today.isoformat()}&k={code}"
    )
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    result = page.get_by_role("status").filter(has_text="签到成功")
    expect(result).to_be_visible()
    expect(result).to_contain_text("社区戒毒工作实务培训班")
    expect(page.locator("#checkin-hours")).to_have_text("已计入 6.0 学时")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("class-checkin-01-done")

    # Scanning again credits nothing more.
    page.reload()
    expect(page.get_by_role("heading", name="今天已签到")).to_be_visible()

    page.get_by_role("link", name="我的培训班").click()
    card = page.get_by_role("article").filter(has_text="社区戒毒工作实务培训班")
    expect(card).to_contain_text("1 / 2 天")
    screenshot("class-checkin-02-my-classes")

    assert HourCredit.objects.filter(learner=officer.learner).count() == 1
    records_refresh_stale()
    year = LearnerYear.objects.get(
        learner=officer.learner,
        training_year=current_training_year(learner=officer.learner),
    )
    assert year.offline_hours == Decimal("6.0")
