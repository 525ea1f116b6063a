"""A trainer marks a learner's essay in the Wagtail admin's marking queue, and
the learner's attempt gets the score."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from courses.demo import DEMO_PASSWORD
from quizzes.models import AttemptStatus, QuestionKind
from quizzes.services import answer_save, attempt_start, attempt_submit
from tests.e2e.conftest import ARTIFACTS
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def essay_waiting(learner):
    """An exam: a single choice answered right (2 points), an essay (8 points)."""
    quiz = quiz_add_questions(
        ExamFactory(title="社区戒毒业务考核", pass_mark=Decimal("60")),
        [
            QuestionFactory(points=Decimal("2")),
            QuestionFactory(
                kind=QuestionKind.ESSAY,
                points=Decimal("8"),
                stem="<p>简述社区戒毒的期限和执行地点。</p>",
                explanation="<p>期限三年，在户籍所在地或现居住地执行。</p>",
            ),
        ],
    )
    now = timezone.now()
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    first = attempt.items.get(position=1)
    right = next(o["id"] for o in first.snapshot["options"] if o["correct"])
    answer_save(
        attempt=attempt, user=learner, position=1, response={"option": right}, now=now
    )
    answer_save(
        attempt=attempt,
        user=learner,
        position=2,
        response={"text": "社区戒毒期限为三年，在户籍所在地执行。"},
        now=now,
    )
    return attempt_submit(attempt=attempt, user=learner, now=now)


def test_trainer_marks_an_essay_and_the_learner_gets_the_score(
    live_server, demo_site, browser
):
    learner = get_user_model().objects.get(username="officer")
    attempt = essay_waiting(learner)
    assert attempt.status == AttemptStatus.NEEDS_MARKING

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    page = context.new_page()

    # The admin sends a visitor to its login page and back.
    page.goto(f"{live_server.url}/admin/quizzes/marking/")
    page.locator("input[name=username]").fill("trainer")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(f"{live_server.url}/admin/quizzes/marking/")
    expect(page.get_by_role("heading", name="阅卷", exact=True)).to_be_visible()
    queue = page.locator("#marking-queue")
    expect(queue.get_by_text("社区戒毒业务考核")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "marking-01-queue.png"), full_page=True)

    queue.get_by_role("link", name="简述社区戒毒的期限").click()
    expect(page.locator("#learner-answer")).to_contain_text("社区戒毒期限为三年")
    expect(page.get_by_text("期限三年，在户籍所在地或现居住地执行。")).to_be_visible()
    page.get_by_label("得分").fill("6.5")
    page.get_by_label("评语").fill("期限正确，执行地点不完整。")
    page.screenshot(path=str(ARTIFACTS / "marking-02-essay.png"), full_page=True)
    page.get_by_role("button", name="保存评分").click()

    expect(page.get_by_text("已评分：")).to_be_visible()
    expect(page.get_by_text("没有待评分的题目。")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "marking-03-done.png"), full_page=True)
    context.close()

    attempt.refresh_from_db()
    essay = attempt.items.get(position=2)
    assert essay.score == Decimal("6.50")
    assert essay.marker_comment == "期限正确，执行地点不完整。"
    assert essay.marker.username == "trainer"
    assert attempt.status == AttemptStatus.MARKED
    assert (attempt.score, attempt.percent, attempt.passed) == (
        Decimal("8.50"),
        Decimal("85.00"),
        True,
    )
