"""An officer takes quizzes in the browser: practice on a phone, then a timed exam."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.factories import UserFactory
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    QuizFactory,
    category,
    quiz_add_questions,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "Pass-1234-word"  # UserFactory's


@pytest.fixture
def officer(transactional_db):
    return UserFactory(username="officer-quiz", first_name="李警官")


@pytest.fixture
def page_375(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("用户名").fill("officer-quiz")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_officer_on_a_phone_practises_and_finds_the_mistake_in_the_book(
    live_server, officer, page_375
):
    community = category("社区戒毒")
    quiz_add_questions(
        QuizFactory(title="社区戒毒应知应会", slug="community-basics"),
        [
            QuestionFactory(
                stem="<p>社区戒毒的期限为多少年？</p>",
                category=community,
                options=[
                    {"text": "三年", "is_correct": True},
                    {"text": "一年", "is_correct": False},
                    {"text": "五年", "is_correct": False},
                ],
                explanation="<p>《禁毒法》第三十三条：社区戒毒的期限为三年。</p>",
            ),
            QuestionFactory(
                kind="true_false",
                stem="<p>社区戒毒人员应当遵守社区戒毒协议。</p>",
                category=community,
                true_answer=True,
                explanation="<p>应当遵守。</p>",
            ),
        ],
    )
    page = page_375
    log_in(page, live_server.url, "/quizzes/")
    expect(page.get_by_role("heading", name="练习与考试")).to_be_visible()
    page.get_by_role("link", name="社区戒毒应知应会").click()
    page.get_by_role("button", name="开始答题").click()

    # Question 1: a real radio group inside a fieldset; the officer picks wrong.
    question = page.get_by_role("group", name=re.compile("第 1 题"))
    expect(question).to_be_visible()
    question.get_by_role("radio", name=re.compile("一年")).check()
    expect(page.get_by_role("status").filter(has_text="确认答案")).to_be_visible()
    page.get_by_role("button", name="确认答案").click()
    feedback = page.locator("[data-feedback-region]")
    expect(feedback).to_contain_text("回答错误")
    expect(feedback).to_contain_text("正确答案：A")
    expect(feedback).to_contain_text("社区戒毒的期限为三年")
    expect(question.get_by_role("radio", name=re.compile("三年"))).to_be_disabled()
    expect(page.get_by_role("link", name=re.compile(r"^1\s*（已答）"))).to_be_visible()
    assert fits_the_phone(page)
    shot(page, "quiz-01-practice-feedback")

    # Question 2, answered right, then hand in.
    page.get_by_role("button", name="下一题").click()
    second = page.get_by_role("group", name=re.compile("第 2 题"))
    second.get_by_role("radio", name="正确").check()
    page.get_by_role("button", name="确认答案").click()
    expect(page.locator("[data-feedback-region]")).to_contain_text("回答正确")
    page.get_by_role("link", name="交卷").click()
    expect(page.get_by_role("heading", name=re.compile("确认交卷"))).to_be_visible()
    expect(page.get_by_text("全部 2 题都已作答")).to_be_visible()
    page.get_by_role("button", name="确认交卷").click()
    expect(page.get_by_text(re.compile(r"得分\s*1\s*/\s*2 分"))).to_be_visible()
    shot(page, "quiz-02-practice-result")

    # The mistake waits in the wrong-answer book, with the explanation.
    page.get_by_role("link", name="查看错题本").click()
    expect(page.get_by_role("heading", name="错题本", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("社区戒毒"))).to_be_visible()
    expect(page.get_by_text("社区戒毒的期限为多少年？")).to_be_visible()
    expect(page.get_by_text("社区戒毒人员应当遵守社区戒毒协议。")).to_have_count(0)
    expect(
        page.get_by_text("《禁毒法》第三十三条：社区戒毒的期限为三年。")
    ).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("重做错题"))).to_be_visible()
    assert fits_the_phone(page)
    shot(page, "quiz-03-wrong-answer-book")


def _seconds(text: str) -> int:
    match = re.search(r"(?:(\d+):)?(\d{2}):(\d{2})", text)
    assert match, text
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def test_officer_reloads_mid_exam_and_keeps_answers_and_clock(
    live_server, officer, page_375
):
    law = category("禁毒法")
    questions = [
        QuestionFactory(
            stem=f"<p>考试第{n}题：下列说法正确的是？</p>",
            category=law,
            options=[
                {"text": f"正确说法{n}", "is_correct": True},
                {"text": f"错误说法{n}", "is_correct": False},
            ],
        )
        for n in range(1, 4)
    ]
    quiz_add_questions(
        ExamFactory(
            title="禁毒法综合考核",
            slug="law-exam",
            time_limit=30,
            closes_at=timezone.now() + timedelta(days=1),
        ),
        questions,
    )
    page = page_375
    log_in(page, live_server.url, "/quizzes/law-exam/")
    expect(page.get_by_text("30 分钟")).to_be_visible()
    page.get_by_role("button", name="开始答题").click()

    timer = page.get_by_role("timer")
    expect(timer).to_contain_text("剩余时间")
    at_start = _seconds(timer.inner_text())
    assert 29 * 60 < at_start <= 30 * 60

    # Answers save as they are given.
    page.get_by_role("radio", name=re.compile("正确说法1")).check()
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    page.get_by_role("button", name="下一题").click()
    page.get_by_role("radio", name=re.compile("错误说法2")).check()
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    # The clock runs: wait until it has visibly moved on, then reload.
    expect(timer).not_to_have_text(re.compile(re.escape(timer.inner_text())))
    shot(page, "quiz-04-exam-before-reload")

    page.reload()
    timer = page.get_by_role("timer")
    after_reload = _seconds(timer.inner_text())
    assert after_reload < at_start  # not reset
    expect(page.get_by_role("radio", name=re.compile("错误说法2"))).to_be_checked()
    expect(page.get_by_role("link", name=re.compile(r"^1\s*（已答）"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^3\s*（未答）"))).to_be_visible()
    # Still running after the reload.
    expect(timer).not_to_have_text(re.compile(re.escape(timer.inner_text())))
    assert page.get_by_text("正确答案").count() == 0
    shot(page, "quiz-05-exam-after-reload")

    page.get_by_role("link", name=re.compile(r"^1\s*（已答）")).click()
    expect(page.get_by_role("radio", name=re.compile("正确说法1"))).to_be_checked()
    page.get_by_role("link", name=re.compile(r"^3\s*（未答）")).click()
    page.get_by_role("radio", name=re.compile("正确说法3")).check()
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    page.get_by_role("button", name="去交卷").click()
    expect(page.get_by_text("全部 3 题都已作答")).to_be_visible()
    page.get_by_role("button", name="确认交卷").click()

    expect(page.get_by_text(re.compile(r"得分\s*2\s*/\s*3 分"))).to_be_visible()
    expect(page.get_by_text("及格", exact=True)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="错误说法2")).to_contain_text(
        "我的选择"
    )
    assert fits_the_phone(page)
    shot(page, "quiz-06-exam-result")
