"""A trainer marks essays from the marking queue (阅卷) and re-marks with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from quizzes.models import AttemptStatus, QuestionKind, ReMark
from quizzes.services import answer_save, attempt_start, attempt_submit, item_mark
from tests.factories import UserFactory
from tests.quizzes.admin_support import admin_trainer
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db

QUEUE = "/admin/quizzes/marking/"


def queue_rows(client, query: str = "") -> str:
    """The queue table of the marking page ("" when the queue is empty)."""
    page = client.get(f"{QUEUE}{query}").content.decode()
    if 'id="marking-queue"' not in page:
        return ""
    table = page[page.index('id="marking-queue"') :]
    return table[: table.index("</table>")]


def sit(quiz, learner, now, essay_text):
    """Submit `quiz`: the single choice right, the essay as given."""
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
        response={"text": essay_text},
        now=now,
    )
    attempt_submit(attempt=attempt, user=learner, now=now)
    return attempt.items.get(position=2)


def exam(title):
    return quiz_add_questions(
        ExamFactory(title=title, pass_mark=Decimal("60")),
        [
            QuestionFactory(points=Decimal("2")),
            QuestionFactory(
                kind=QuestionKind.ESSAY,
                points=Decimal("8"),
                stem="<p>简述社区戒毒的期限。</p>",
                explanation="<p>社区戒毒的期限为<strong>三年</strong>。</p>",
            ),
        ],
    )


@pytest.fixture
def essays(now):
    """Three essays waiting, in two quizzes, submitted an hour apart."""
    first, second = exam("第一次考核"), exam("第二次考核")
    return [
        sit(first, UserFactory(username="zhang-san"), now, "三年。"),
        sit(second, UserFactory(username="li-si"), now + timedelta(hours=1), "两年"),
        sit(
            first,
            UserFactory(username="wang-wu"),
            now + timedelta(hours=2),
            "<script>alert('x')</script>三年",
        ),
    ]


@pytest.fixture
def client_trainer(make_role_user):
    client = Client()
    client.force_login(admin_trainer(make_role_user))
    return client


def test_queue_lists_essays_oldest_first_across_quizzes(client_trainer, essays):
    assert "共有 3 道题待评分" in client_trainer.get(QUEUE).content.decode()
    rows = queue_rows(client_trainer)
    positions = [rows.index(name) for name in ("zhang-san", "li-si", "wang-wu")]
    assert positions == sorted(positions)

    quiz = essays[1].attempt.quiz
    rows = queue_rows(client_trainer, f"?quiz={quiz.pk}")
    assert "li-si" in rows and "zhang-san" not in rows and "wang-wu" not in rows


def test_trainer_marks_an_essay_and_the_attempt_gets_its_score(client_trainer, essays):
    essay = essays[0]
    page = client_trainer.get(f"{QUEUE}{essay.pk}/").content.decode()
    assert "简述社区戒毒的期限。" in page and "三年。" in page
    assert "<strong>三年</strong>" in page  # the explanation, sanitised HTML
    response = client_trainer.post(
        f"{QUEUE}{essay.pk}/",
        {"action": "mark", "mark-score": "6.5", "mark-comment": "要点正确，表述简略。"},
    )
    assert response.status_code == 302
    essay.refresh_from_db()
    attempt = essay.attempt
    attempt.refresh_from_db()
    assert (essay.score, essay.marker_comment) == (
        Decimal("6.50"),
        "要点正确，表述简略。",
    )
    assert attempt.status == AttemptStatus.MARKED
    assert (attempt.score, attempt.passed) == (Decimal("8.50"), True)
    # Gone from the queue.
    rows = queue_rows(client_trainer)
    assert "zhang-san" not in rows and "li-si" in rows


def test_a_score_above_the_points_is_refused(client_trainer, essays):
    essay = essays[0]
    response = client_trainer.post(
        f"{QUEUE}{essay.pk}/", {"action": "mark", "mark-score": "9"}
    )
    assert response.status_code == 200
    assert "得分不能超过满分8.00分。" in response.content.decode()
    essay.refresh_from_db()
    assert essay.score is None


def test_the_learners_answer_is_shown_escaped(client_trainer, essays):
    page = client_trainer.get(f"{QUEUE}{essays[2].pk}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_a_second_trainer_marking_the_same_essay_is_told_and_nothing_is_lost(
    client_trainer, essays, make_role_user
):
    essay = essays[0]
    other = Client()
    other.force_login(admin_trainer(make_role_user, username="second-trainer"))
    other.get(f"{QUEUE}{essay.pk}/")  # both open the essay
    client_trainer.post(
        f"{QUEUE}{essay.pk}/",
        {"action": "mark", "mark-score": "6", "mark-comment": "好"},
    )
    response = other.post(
        f"{QUEUE}{essay.pk}/",
        {"action": "mark", "mark-score": "3", "mark-comment": "不够完整"},
        follow=True,
    )
    page = response.content.decode()
    assert "另一位阅卷人" in page and "已先为本题评分" in page
    assert "不够完整" in page  # what the second trainer typed is still on screen
    assert 'value="3' in page  # offered as a re-mark
    essay.refresh_from_db()
    assert (essay.score, essay.marker_comment) == (Decimal("6.00"), "好")


def test_a_re_mark_needs_a_reason_and_is_audited(client_trainer, essays, now):
    essay = essays[0]
    first_marker = UserFactory(username="first-marker")
    item_mark(item=essay, score="4", marker=first_marker, now=now)

    response = client_trainer.post(
        f"{QUEUE}{essay.pk}/",
        {"action": "remark", "remark-score": "7", "remark-reason": "  "},
    )
    assert response.status_code == 200
    assert "重新评分必须填写原因。" in response.content.decode()
    essay.refresh_from_db()
    assert essay.score == Decimal("4.00") and not ReMark.objects.exists()

    response = client_trainer.post(
        f"{QUEUE}{essay.pk}/",
        {"action": "remark", "remark-score": "7", "remark-reason": "复核：要点完整"},
        follow=True,
    )
    essay.refresh_from_db()
    essay.attempt.refresh_from_db()
    assert essay.score == Decimal("7.00")
    assert essay.attempt.score == Decimal("9.00")
    remark = ReMark.objects.get()
    assert (remark.old_score, remark.new_score, remark.reason) == (
        Decimal("4.00"),
        Decimal("7.00"),
        "复核：要点完整",
    )
    assert remark.marked_by.username == "admin-trainer"
    page = response.content.decode()
    assert (
        "重新评分记录" in page and "复核：要点完整" in page and "admin-trainer" in page
    )


def test_marked_items_are_listed_for_re_marking(client_trainer, essays, now):
    item_mark(item=essays[1], score="5", marker=UserFactory(username="m"), now=now)
    rows = queue_rows(client_trainer, "?status=marked")
    assert "li-si" in rows and "zhang-san" not in rows
