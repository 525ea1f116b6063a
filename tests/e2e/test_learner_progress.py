"""An officer reads lessons on a phone and sees, under each, how far they are, that
it is complete and how many class-hours it earned; the ledger has them once."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from courses.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def lesson_add(*, title: str, slug: str, hours: str, **rule):
    from cms.models import HomePage
    from courses.demo import demo_content_load
    from courses.models import LessonPage

    bank = demo_content_load(home=HomePage.objects.get(), textbook_dir=None)["bank"]
    lesson = LessonPage(
        title=title,
        slug=slug,
        code=f"E2E-{slug}",
        class_hours=Decimal(hours),
        minutes=20,
        body=[{"type": "rich_text", "value": f"<p>{title}的正文。</p>"}],
        **rule,
    )
    bank.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def log_in(page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_officer_opens_a_lesson_and_sees_it_completed_with_its_hours(
    live_server, demo_site, phone_page, screenshot
):
    from courses.models import HourCredit
    from courses.models.pages import CompletionRule

    lesson = lesson_add(
        title="正念防复发入门",
        slug="mindfulness",
        hours="1.5",
        completion_rule=CompletionRule.OPENED,
    )
    page = phone_page
    log_in(page, live_server.url, lesson.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("正念防复发入门")

    progress = page.get_by_role("region", name="学习进度")
    expect(progress.get_by_role("status")).to_have_text(
        re.compile(r"打开本课即完成 · 已完成 · 计入 1\.5 学时")
    )
    expect(progress.get_by_role("progressbar")).to_have_attribute("value", "100")
    expect(
        progress.get_by_role("link", name="在“我的培训”中查看学时和来源")
    ).to_have_attribute("href", "/me/training/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("progress-01-lesson-completed")

    # Reading it again credits nothing more.
    page.reload()
    expect(progress.get_by_role("status")).to_contain_text("已完成")
    credit = HourCredit.objects.get(learner__user__username="officer")
    assert credit.hours == Decimal("1.5") and credit.title == "正念防复发入门"

    # The link leads to "my training", where the hours show with their source.
    progress.get_by_role("link", name="在“我的培训”中查看学时和来源").click()
    expect(page).to_have_url(re.compile(r"/me/training/$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("正念防复发入门")
    expect(main).to_contain_text("1.5")


def test_time_counts_while_the_officer_reads_not_while_idle(
    live_server, demo_site, phone_page, screenshot
):
    """The page's clock is Playwright's: minutes pass in milliseconds. The
    server's minute does not move, so every beat of the test is one minute."""
    from courses.models import FactKind, HourCredit, LearningFact
    from courses.models.pages import CompletionRule

    lesson = lesson_add(
        title="内观疗法概述",
        slug="naikan",
        hours="0.5",
        completion_rule=CompletionRule.TIME,
        completion_minutes=1,
    )
    page = phone_page
    beats = []
    page.on(
        "request",
        lambda request: (
            beats.append(request) if request.url.endswith("/progress/beat/") else None
        ),
    )
    page.clock.install()
    log_in(page, live_server.url, lesson.url)
    status = page.get_by_role("region", name="学习进度").get_by_role("status")
    expect(status).to_have_text("已学 0 / 需 1 分钟 · 未完成")
    screenshot("progress-02-time-lesson-started")

    # Reading: a beat after 30 s; the next status check sees the minute and the
    # page asks for completion by itself.
    with page.expect_response(lambda r: r.url.endswith("/progress/beat/")):
        page.mouse.move(100, 300)
        page.clock.run_for(30_000)
    with page.expect_response(lambda r: r.url.endswith("/progress/complete/")):
        page.clock.run_for(30_000)
    expect(status).to_have_text("已学 1 / 需 1 分钟 · 已完成 · 计入 0.5 学时")
    screenshot("progress-03-time-lesson-completed")

    # Left alone for five minutes: no more beats once a minute passed idle.
    sent = len(beats)
    page.clock.run_for(5 * 60_000)
    assert len(beats) == sent
    # Back to reading: the beats resume.
    with page.expect_response(lambda r: r.url.endswith("/progress/beat/")):
        page.keyboard.press("ArrowDown")
        page.clock.run_for(30_000)

    assert LearningFact.objects.filter(kind=FactKind.TIME_ON_TASK).count() >= 1
    credit = HourCredit.objects.get(learner__user__username="officer")
    assert credit.hours == Decimal("0.5") and credit.title == "内观疗法概述"


def test_a_page_left_open_asks_whether_the_officer_is_still_there(
    live_server, demo_site, phone_page, screenshot
):
    """With the bureau's presence check (防挂机) at 2 minutes, the page asks a
    minute before the server would stop counting, sends no beat until the
    officer answers, and goes on once they click “继续学习”."""
    from courses.models import (
        FactKind,
        LearnerProfile,
        LearningFact,
        OrgUnit,
        TrainingPolicy,
    )
    from courses.models.pages import CompletionRule
    from courses.services.records.policy import policy_version_bump

    officer = LearnerProfile.objects.select_related("unit").get(
        user__username="officer"
    )
    bureau = OrgUnit.objects.get(path=officer.unit.path[: OrgUnit.steplen])
    TrainingPolicy.objects.update_or_create(
        bureau=bureau, defaults={"presence_minutes": 2}
    )
    policy_version_bump()
    lesson = lesson_add(
        title="戒毒人员心理评估",
        slug="assessment",
        hours="1",
        completion_rule=CompletionRule.TIME,
        completion_minutes=15,
    )
    page = phone_page
    beats = []
    page.on(
        "request",
        lambda request: (
            beats.append(request) if request.url.endswith("/progress/beat/") else None
        ),
    )
    page.clock.install()
    log_in(page, live_server.url, lesson.url)
    region = page.get_by_role("region", name="学习进度")
    expect(region.get_by_role("status")).to_contain_text("需 15 分钟")
    question = page.get_by_role("alertdialog", name="您还在学习吗？")
    expect(question).to_be_hidden()

    with page.expect_response(lambda r: r.url.endswith("/progress/beat/")):
        page.mouse.move(100, 300)
        page.clock.run_for(30_000)
    # A minute on, the page asks instead of beating, even while the reader moves.
    sent = len(beats)
    for _ in range(3):
        page.mouse.move(120, 320)
        page.clock.run_for(30_000)
    expect(question).to_be_visible()
    assert len(beats) <= sent + 1
    screenshot("progress-04-presence-check")

    presence = page.expect_response(lambda r: r.url.endswith("/progress/presence/"))
    with presence as answered:
        question.get_by_role("button", name="继续学习").click()
    assert answered.value.status == 200
    expect(question).to_be_hidden()
    sent = len(beats)
    with page.expect_response(lambda r: r.url.endswith("/progress/beat/")):
        page.mouse.move(140, 340)
        page.clock.run_for(30_000)
    assert len(beats) > sent
    # The page's open and the click: one fact a minute, as for beats.
    assert LearningFact.objects.filter(
        learner__user__username="officer", kind=FactKind.PRESENCE
    ).exists()
