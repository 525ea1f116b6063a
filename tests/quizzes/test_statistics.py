"""Item statistics and the score distribution equal the figures worked by hand.

Six learners sit a three-question exam (single choice 1 point, true/false
1 point, essay 2 points); a seventh waits for marking and an eighth has not
submitted, and neither counts. Scores per learner:

    learner   Q1  Q2  Q3   total  percent   Q1 choice  Q2 answer
    L1         1   1   2     4     100.0        A        对
    L2         1   1   1.5   3.5    87.5        A        对
    L3         1   0   1     2      50.0        A        错
    L4         0   1   1     2      50.0        B        对
    L5         0   0   0.5   0.5    12.5        C        错
    L6         1   0   0     1      25.0        A        错

Facility = mean(score / points): Q1 4/6, Q2 3/6, Q3 (6/2)/6 = 0.5.

Discrimination = Pearson r of x = score/points and y = total − item score:
Q1: x = 1 1 1 0 0 1, y = 3 2.5 1 2 .5 0; Σdxdy = 0.5, Σdx² = 12/9, Σdy² = 7,
    r = 0.5 / √(12/9 · 7) ≈ 0.164.
Q2: x = 1 1 0 1 0 0, y = 3 2.5 2 1 .5 1; Σdxdy = 1.5, Σdx² = 1.5, Σdy² = 29/6,
    r = 1.5 / √(1.5 · 29/6) ≈ 0.557.
Q3: x = 1 .75 .5 .5 .25 0, y = 2 2 1 1 0 1; Σdxdy = 1, Σdx² = 0.625, Σdy² = 17/6,
    r = 1 / √(0.625 · 17/6) ≈ 0.751.
"""

import math
from decimal import Decimal

import pytest
from django.test import Client

from courses.catalogue import catalogue_ensure
from courses.models.roles import Role
from quizzes.models import AttemptStatus, QuestionKind
from quizzes.selectors.statistics import quiz_item_statistics, quiz_score_distribution
from quizzes.services import answer_save, attempt_start, attempt_submit, item_mark
from tests.factories import UserFactory
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db

# learner: (Q1 option index, Q2 answer, Q3 essay score or None = not marked yet)
PAPERS = [
    (0, True, "2"),
    (0, True, "1.5"),
    (0, False, "1"),
    (1, True, "1"),
    (2, False, "0.5"),
    (0, False, "0"),
    (0, True, None),  # waits for marking: not counted
]


@pytest.fixture
def exam(now, trainer):
    single = QuestionFactory(points=Decimal("1"), stem="<p>单选：<b>禁毒法</b></p>")
    true_false = QuestionFactory(kind=QuestionKind.TRUE_FALSE, points=Decimal("1"))
    essay = QuestionFactory(kind=QuestionKind.ESSAY, points=Decimal("2"))
    quiz = quiz_add_questions(
        ExamFactory(pass_mark=Decimal("60")), [single, true_false, essay]
    )
    for number, (choice, value, essay_score) in enumerate(PAPERS, start=1):
        learner = UserFactory(username=f"stats-learner-{number}")
        attempt = attempt_start(quiz=quiz, user=learner, now=now)
        items = {item.position: item for item in attempt.items.all()}
        option_id = items[1].snapshot["options"][choice]["id"]
        for position, response in [
            (1, {"option": option_id}),
            (2, {"value": value}),
            (3, {"text": "按照《戒毒条例》的规定……"}),
        ]:
            answer_save(
                attempt=attempt,
                user=learner,
                position=position,
                response=response,
                now=now,
            )
        attempt_submit(attempt=attempt, user=learner, now=now)
        if essay_score is not None:
            item_mark(item=items[3], score=essay_score, marker=trainer, now=now)
    # An attempt still in progress does not count either.
    attempt_start(quiz=quiz, user=UserFactory(username="still-writing"), now=now)
    return quiz, single, true_false, essay


def test_item_statistics_equal_the_hand_computed_figures(exam):
    quiz, single, true_false, essay = exam
    stats = {s.question_id: s for s in quiz_item_statistics(quiz=quiz)}
    assert list(stats) == [single.pk, true_false.pk, essay.pk]

    q1, q2, q3 = stats[single.pk], stats[true_false.pk], stats[essay.pk]
    assert (q1.attempts, q2.attempts, q3.attempts) == (6, 6, 6)
    assert q1.facility == pytest.approx(4 / 6)
    assert q2.facility == pytest.approx(3 / 6)
    assert q3.facility == pytest.approx(0.5)
    assert q1.discrimination == pytest.approx(0.5 / math.sqrt(12 / 9 * 7))
    assert q1.discrimination == pytest.approx(0.1637, abs=1e-4)
    assert q2.discrimination == pytest.approx(1.5 / math.sqrt(1.5 * 29 / 6))
    assert q2.discrimination == pytest.approx(0.5571, abs=1e-4)
    assert q3.discrimination == pytest.approx(1 / math.sqrt(0.625 * 17 / 6))
    assert q3.discrimination == pytest.approx(0.7515, abs=1e-4)
    assert q3.mean_score == pytest.approx(1.0)
    assert q1.stem == "单选：禁毒法"  # plain text, never the HTML


def test_option_frequencies_count_each_choice(exam):
    quiz, single, true_false, essay = exam
    stats = {s.question_id: s for s in quiz_item_statistics(quiz=quiz)}
    q1 = stats[single.pk].options
    assert [(o.count, o.is_correct) for o in q1] == [
        (4, True),
        (1, False),
        (1, False),
        (0, False),
    ]
    assert q1[0].label.startswith("A. ") and q1[0].share == pytest.approx(4 / 6)
    q2 = stats[true_false.pk].options
    assert [(o.label, o.count, o.is_correct) for o in q2] == [
        ("正确", 3, True),
        ("错误", 3, False),
    ]
    assert stats[essay.pk].options == []


def test_score_distribution_equals_the_hand_counted_bands(exam):
    quiz, *_questions = exam
    distribution = quiz_score_distribution(quiz=quiz)
    assert distribution.attempts == 6
    assert distribution.passed == 2  # 100 % and 87.5 % pass 60 %
    assert distribution.mean_percent == pytest.approx(325 / 6)
    assert [band.count for band in distribution.bins] == [0, 1, 1, 0, 0, 2, 0, 0, 1, 1]
    assert (distribution.bins[9].lower, distribution.bins[9].upper) == (
        Decimal("90.00"),
        Decimal("100.00"),
    )
    quarters = quiz_score_distribution(quiz=quiz, bins=4)
    # [0,25) [25,50) [50,75) [75,100]: 12.5 | 25 | 50 50 | 87.5 100
    assert [band.count for band in quarters.bins] == [1, 1, 2, 2]


def test_a_quiz_without_marked_attempts_has_no_figures(exam):
    quiz = ExamFactory()
    assert quiz_item_statistics(quiz=quiz) == []
    assert quiz_score_distribution(quiz=quiz).attempts == 0


def test_constant_scores_give_no_discrimination(now, trainer):
    question = QuestionFactory()
    other = QuestionFactory()
    quiz = quiz_add_questions(ExamFactory(), [question, other])
    for number in range(3):
        learner = UserFactory(username=f"same-{number}")
        attempt = attempt_start(quiz=quiz, user=learner, now=now)
        first = attempt.items.get(position=1)
        right = next(o["id"] for o in first.snapshot["options"] if o["correct"])
        answer_save(
            attempt=attempt,
            user=learner,
            position=1,
            response={"option": right},
            now=now,
        )
        attempt_submit(attempt=attempt, user=learner, now=now)
    stats = {s.question_id: s for s in quiz_item_statistics(quiz=quiz)}
    # Everyone right on the first, everyone blank on the second: nothing varies.
    assert stats[question.pk].facility == 1.0
    assert stats[question.pk].discrimination is None
    assert stats[other.pk].facility == 0.0 and stats[other.pk].answered == 0


def test_trainer_sees_the_statistics_page(exam, make_role_user):
    catalogue_ensure()
    quiz, single, *_rest = exam
    client = Client()
    client.force_login(make_role_user(Role.TRAINER, "F1", username="stats-trainer"))
    response = client.get(f"/admin/quizzes/statistics/{quiz.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "单选：禁毒法" in page
    assert "0.67" in page  # Q1 facility
    assert "0.16" in page  # Q1 discrimination
    assert "<b>禁毒法</b>" not in page
    assert quiz.attempts.filter(status=AttemptStatus.NEEDS_MARKING).count() == 1


def test_learner_cannot_open_statistics(exam, learner):
    quiz, *_questions = exam
    client = Client()
    client.force_login(learner)
    response = client.get(f"/admin/quizzes/statistics/{quiz.pk}/")
    assert response.status_code in (302, 403)
    assert "单选" not in response.content.decode()
