"""A lesson's way from a trainer's draft to a learner's screen, in the Wagtail admin.

The trainer writes a lesson in the resource bank and submits it to the review
workflow (课程审核发布); a learner cannot see it yet; the bureau administrator, a
reviewer, asks for changes with a comment; the trainer reads the comment, edits
and resubmits; the reviewer approves; the learner now opens it and finds it by a
Chinese search.
"""

import re

import pytest
from playwright.sync_api import expect

from courses.authoring import REVIEW_TASK_NAME as TASK
from courses.authoring import WORKFLOW_NAME as WORKFLOW
from courses.demo import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1280, "height": 900}
TITLE = "美沙酮维持治疗门诊的转介与衔接"
TEXT = "社区禁毒专干应当掌握美沙酮维持治疗的基本知识，了解服药时间和注意事项。"
CASE = "案例：某社区康复人员按时到门诊服药，两年未复吸。"
COMMENT = "请补充案例"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def admin_log_in(browser, base_url: str, username: str):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("用户名").fill(username)
    # Wagtail 8 leaves this label untranslated in Chinese.
    page.get_by_label(re.compile("密码|Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name=username)).to_be_visible()
    return page


def learner_log_in(browser, base_url: str, username: str):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    return page


def rich_text_append(page, text: str) -> None:
    """Add a rich-text block at the end of the body and type into it."""
    widgets = page.locator("[data-contentpath='body'] [data-streamfield-widget]")
    before = widgets.count()
    page.locator("[data-contentpath='body'] button.c-sf-add-button").last.click()
    page.get_by_role("option", name="正文", exact=True).click()
    expect(widgets).to_have_count(before + 1)
    widget = widgets.last
    widget.get_by_role("textbox").click()
    page.keyboard.insert_text(text)
    # Draftail writes to the form's hidden input a moment after typing: a form
    # submitted before then would save an empty block.
    expect(widget.locator("input[type='hidden']")).to_have_value(
        re.compile(re.escape(text))
    )


def submit_for_review(page) -> None:
    page.get_by_role("button", name="更多动作").click()
    page.get_by_role("button", name=f"提交给{WORKFLOW}").click()


def search(page, base_url: str, query: str) -> None:
    page.goto(f"{base_url}/")
    box = page.get_by_role("searchbox", name="搜索课程")
    box.fill(query)
    box.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("找到")


def test_trainer_writes_reviewer_rejects_then_approves_and_learner_finds_it(
    live_server, demo_site_with_content, browser
):
    from courses.models import LessonPage, ResourceBankPage

    base = live_server.url
    bank = ResourceBankPage.objects.get()

    # The trainer writes the lesson in the resource bank.
    trainer = admin_log_in(browser, base, "trainer")
    trainer.goto(f"{base}/admin/pages/{bank.pk}/")
    trainer.get_by_role("link", name="添加子页面").first.click()
    trainer.get_by_label(re.compile("^标题")).fill(TITLE)
    rich_text_append(trainer, TEXT)
    trainer.get_by_role("tab", name="推荐").click()
    trainer.get_by_label("课时").fill("1.5")
    trainer.get_by_label("课程编码").fill("E2E-0001")
    trainer.get_by_role("tab", name="内容").click()
    shot(trainer, "20-trainer-writes-lesson")
    submit_for_review(trainer)
    expect(trainer.locator(".messages")).to_contain_text(TITLE)
    shot(trainer, "21-trainer-submitted")

    lesson = LessonPage.objects.get(code="E2E-0001")
    url = f"{base}{lesson.url}"

    # A learner cannot open it or see it in the bank yet.
    officer = learner_log_in(browser, base, "officer")
    assert officer.goto(url).status == 404
    officer.goto(f"{base}{bank.url}")
    expect(officer.get_by_role("heading", level=1)).to_be_visible()
    expect(officer.get_by_role("link", name=TITLE)).to_have_count(0)
    search(officer, base, "美沙酮维持治疗")
    expect(officer.get_by_role("link", name=TITLE)).to_have_count(0)

    # The reviewer finds it waiting and asks for changes.
    reviewer = admin_log_in(browser, base, "bureau_admin")
    waiting = reviewer.get_by_role("region", name="等待你的审查")
    shot(reviewer, "22-reviewer-dashboard")
    waiting.get_by_role("link", name=TITLE).click()
    expect(reviewer.get_by_label(re.compile("^标题"))).to_have_value(TITLE)
    reviewer.get_by_role("button", name="更多动作").click()
    reviewer.get_by_role("button", name="请求修改").click()
    dialog = reviewer.get_by_role("dialog").filter(has=reviewer.get_by_label("评论"))
    dialog.get_by_label("评论").fill(COMMENT)
    shot(reviewer, "23-reviewer-requests-changes")
    dialog.get_by_role("button", name="请求修改").click()
    expect(reviewer.locator(".messages")).to_contain_text(TITLE)

    # The trainer reads the comment on the lesson, adds a case and resubmits.
    trainer.goto(f"{base}/admin/pages/{lesson.pk}/edit/")
    trainer.get_by_role("button", name="状态开关").click()
    trainer.get_by_role("button", name="查看详情").click()
    status = trainer.get_by_role("dialog", name=WORKFLOW)
    expect(status).to_contain_text(COMMENT)
    shot(trainer, "24-trainer-reads-comment")
    status.get_by_role("button", name="关闭对话框").click()
    rich_text_append(trainer, CASE)
    trainer.get_by_role("button", name="更多动作").click()
    trainer.get_by_role("button", name=f"重新提交给{TASK}").click()
    expect(trainer.locator(".messages")).to_contain_text(TITLE)

    # Still nothing for the learner while it waits for review.
    assert officer.goto(url).status == 404

    # The reviewer approves; the lesson goes live.
    reviewer.goto(f"{base}/admin/")
    waiting = reviewer.get_by_role("region", name="等待你的审查")
    waiting.get_by_role("link", name=TITLE).click()
    expect(reviewer.locator("[data-contentpath='body']")).to_contain_text(CASE)
    reviewer.get_by_role("button", name="更多动作").click()
    reviewer.get_by_role("button", name=re.compile(r"^批准\s*和发布$")).click()
    expect(reviewer.locator(".messages")).to_contain_text(TITLE)
    shot(reviewer, "25-reviewer-approved")

    # The learner opens it at its URL and finds it by a Chinese search.
    assert officer.goto(url).status == 200
    expect(officer.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(officer.get_by_text(CASE)).to_be_visible()
    shot(officer, "26-learner-reads-lesson")
    search(officer, base, "美沙酮维持治疗")
    result = officer.get_by_role("link", name=TITLE)
    expect(result).to_be_visible()
    shot(officer, "27-learner-search")
    result.click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(TITLE)
