"""Practice feedback, the wrong-answer book, the daily drill and category progress."""

from datetime import timedelta
from decimal import Decimal

import pytest

from quizzes.errors import QuizError
from quizzes.models import (
    AttemptStatus,
    CategoryProgress,
    QuestionKind,
    QuizMode,
    WrongAnswer,
)
from quizzes.selectors import (
    category_progress_for,
    daily_drill_draw,
    wrong_answers_for,
)
from quizzes.selectors.drill import DUE, REVIEW, UNSEEN
from quizzes.services import (
    answer_save,
    attempt_start,
    attempt_submit,
    progress_rebuild,
    wrong_answer_record_correct,
)
from tests.factories import UserFactory
from tests.quizzes.factories import (
    ExamFactory,
    QuestionFactory,
    QuizFactory,
    category,
    quiz_add_questions,
)

pytestmark = pytest.mark.django_db


def _right(item):
    return {"option": next(o["id"] for o in item.snapshot["options"] if o["correct"])}


def _wrong(item):
    return {
        "option": next(o["id"] for o in item.snapshot["options"] if not o["correct"])
    }


def _answer(attempt, learner, position, right: bool, now):
    item = attempt.items.get(position=position)
    return answer_save(
        attempt=attempt,
        user=learner,
        position=position,
        response=_right(item) if right else _wrong(item),
        now=now,
    )


# ------------------------------------------------------------------ practice


def test_practice_answer_shows_right_or_wrong_and_the_explanation_at_once(learner, now):
    quiz = quiz_add_questions(
        QuizFactory(), [QuestionFactory(explanation="见第三章。")]
    )
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    result = _answer(attempt, learner, 1, right=False, now=now)
    assert result.feedback.is_correct is False
    assert result.feedback.explanation == "见第三章。"
    assert result.feedback.correct_answer == _right(result.item)
    # Into the book at once, before any submit.
    entry = WrongAnswer.objects.get(user=learner)
    assert entry.times_wrong == 1 and entry.first_item_id == result.item.pk
    # Once the answer is shown it cannot be changed.
    with pytest.raises(QuizError) as refused:
        _answer(attempt, learner, 1, right=True, now=now)
    assert refused.value.code == "already_checked"
    # Submitting does not put it in the book a second time.
    attempt_submit(attempt=attempt, user=learner, now=now)
    entry.refresh_from_db()
    assert entry.times_wrong == 1


def test_exam_answers_get_no_feedback_and_reach_the_book_at_submit(learner, now):
    quiz = quiz_add_questions(ExamFactory(), QuestionFactory.create_batch(3))
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    assert _answer(attempt, learner, 1, right=False, now=now).feedback is None
    _answer(attempt, learner, 2, right=True, now=now)  # 3 left blank
    assert not WrongAnswer.objects.exists()
    attempt_submit(attempt=attempt, user=learner, now=now)
    book = wrong_answers_for(user=learner)
    assert [e.question_id for e in book] == [attempt.items.get(position=1).question_id]


def test_wrong_answers_are_mastered_after_two_later_correct_answers(learner, now):
    question = QuestionFactory()
    quiz = quiz_add_questions(QuizFactory(), [question])
    day = timedelta(days=1)
    for offset, right in [(0, False), (1, True), (2, False), (3, True), (5, True)]:
        attempt = attempt_start(quiz=quiz, user=learner, now=now + offset * day)
        _answer(attempt, learner, 1, right=right, now=now + offset * day)
        attempt_submit(attempt=attempt, user=learner, now=now + offset * day)
        entry = WrongAnswer.objects.get(user=learner, question=question)
        if offset == 1:
            assert entry.consecutive_correct == 1 and entry.due_at == now + 4 * day
        if offset == 2:  # wrong again: back to the start
            assert entry.consecutive_correct == 0 and entry.times_wrong == 2
            assert entry.due_at == now + 3 * day
    assert entry.mastered_at == now + 5 * day and entry.due_at is None
    assert list(wrong_answers_for(user=learner)) == []
    assert list(wrong_answers_for(user=learner, include_mastered=True)) == [entry]


def test_record_correct_for_a_question_not_in_the_book_does_nothing(learner):
    assert wrong_answer_record_correct(user=learner, question=QuestionFactory()) is None
    assert not WrongAnswer.objects.exists()


def test_the_book_filters_by_category_subtree(learner, now):
    law, chapter, regs = (
        category("禁毒法"),
        category("禁毒法/第三章"),
        category("戒毒条例"),
    )
    questions = [QuestionFactory(category=c) for c in (law, chapter, regs)]
    quiz = quiz_add_questions(ExamFactory(), questions)
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    for position in (1, 2, 3):
        _answer(attempt, learner, position, right=False, now=now)
    attempt_submit(attempt=attempt, user=learner, now=now)
    in_law = {e.question_id for e in wrong_answers_for(user=learner, category=law)}
    assert in_law == {questions[0].pk, questions[1].pk}


# ------------------------------------------------------------------ daily drill


@pytest.fixture
def drill_history(learner, now):
    """Twelve questions: four answered wrong yesterday, four right, four unseen."""
    questions = QuestionFactory.create_batch(12)
    QuestionFactory(kind=QuestionKind.ESSAY)  # never in a drill
    quiz = quiz_add_questions(ExamFactory(), questions[:8])
    yesterday = now - timedelta(days=1)
    attempt = attempt_start(quiz=quiz, user=learner, now=yesterday)
    for position in range(1, 9):
        _answer(attempt, learner, position, right=position > 4, now=yesterday)
    attempt_submit(attempt=attempt, user=learner, now=yesterday)
    items = {i.position: i.question_id for i in attempt.items.all()}
    return {
        "wrong": {items[p] for p in range(1, 5)},
        "right": {items[p] for p in range(5, 9)},
        "unseen": {q.pk for q in questions[8:]},
    }


def test_daily_drill_mixes_due_wrong_unseen_and_review(drill_history, learner, now):
    picks = daily_drill_draw(user=learner, size=10, today=now.date())
    by_source = {
        s: {p.question_id for p in picks if p.source == s}
        for s in (DUE, UNSEEN, REVIEW)
    }
    assert by_source[DUE] == drill_history["wrong"]  # all four are due today
    assert by_source[UNSEEN] == drill_history["unseen"]
    assert len(by_source[REVIEW]) == 2 and by_source[REVIEW] <= drill_history["right"]
    assert len({p.question_id for p in picks}) == 10
    # The same day draws the same drill.
    assert daily_drill_draw(user=learner, size=10, today=now.date()) == picks


def test_daily_drill_leaves_out_what_is_not_due_yet(drill_history, learner, now):
    picks = daily_drill_draw(
        user=learner, size=10, today=(now - timedelta(days=1)).date()
    )
    assert not [p for p in picks if p.source == DUE]


def test_the_drill_keeps_an_open_exams_questions_secret(learner, other_learner, now):
    """A drill shows the key at once, so it must not draw a question whose exam
    still withholds its answers: neither the fixed questions of a scheduled exam
    not yet closed, nor one the learner got wrong there before the exam closed."""
    closes = now + timedelta(days=3)
    secret, drawn_by_rule = QuestionFactory(), QuestionFactory()
    open_exam = quiz_add_questions(
        ExamFactory(review_policy="after_close", opens_at=now, closes_at=closes),
        [secret],
    )
    attempt = attempt_start(quiz=open_exam, user=learner, now=now)
    wrong = _wrong(attempt.items.get())
    answer_save(attempt=attempt, user=learner, position=1, response=wrong, now=now)
    attempt_submit(attempt=attempt, user=learner, now=now)
    assert WrongAnswer.objects.filter(user=learner, question=secret).exists()

    during = (now + timedelta(days=1)).date()
    for who in (learner, other_learner):
        drawn = {p.question_id for p in daily_drill_draw(user=who, today=during)}
        assert secret.pk not in drawn
        assert drawn_by_rule.pk in drawn  # the rest of the bank is still drilled

    after = (closes + timedelta(days=1)).date()
    drawn = {
        p.question_id: p.source for p in daily_drill_draw(user=learner, today=after)
    }
    assert drawn.get(secret.pk) == DUE  # answers are out: the mistake comes back


def test_a_drill_quiz_draws_the_learners_drill_and_gives_feedback(
    drill_history, learner, now
):
    drill = QuizFactory(mode=QuizMode.DRILL, drill_size=6)
    attempt = attempt_start(quiz=drill, user=learner, now=now)
    drawn = set(attempt.items.values_list("question_id", flat=True))
    assert len(drawn) == 6
    assert drill_history["wrong"] & drawn  # due wrong answers come back
    item = attempt.items.filter(question_id__in=drill_history["wrong"]).first()
    result = _answer(attempt, learner, item.position, right=True, now=now)
    assert result.feedback.is_correct is True
    entry = WrongAnswer.objects.get(user=learner, question_id=item.question_id)
    assert entry.consecutive_correct == 1


# ------------------------------------------------------------------ progress


def test_category_progress_is_by_id_so_similar_names_never_mix(learner, now):
    law, regs_like = category("禁毒法"), category("禁毒法规")
    quiz = quiz_add_questions(
        ExamFactory(),
        [
            QuestionFactory(category=law),
            QuestionFactory(category=regs_like, points=Decimal("3")),
        ],
    )
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    _answer(attempt, learner, 1, right=True, now=now)
    _answer(attempt, learner, 2, right=False, now=now)
    attempt_submit(attempt=attempt, user=learner, now=now)

    law_progress = category_progress_for(user=learner, category=law)
    assert (law_progress.items, law_progress.correct, law_progress.score) == (
        1,
        1,
        Decimal("1.00"),
    )
    other = category_progress_for(user=learner, category=regs_like)
    assert (other.correct, other.score, other.max_score) == (
        0,
        Decimal("0"),
        Decimal("3"),
    )


def test_progress_rolls_up_a_subtree_by_tree_path(learner, now):
    law, chapter = category("禁毒法"), category("禁毒法/第三章")
    quiz = quiz_add_questions(
        ExamFactory(),
        [QuestionFactory(category=law), QuestionFactory(category=chapter)],
    )
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    _answer(attempt, learner, 1, right=True, now=now)
    _answer(attempt, learner, 2, right=True, now=now)
    attempt_submit(attempt=attempt, user=learner, now=now)
    assert category_progress_for(user=learner, category=law).correct == 2
    assert (
        category_progress_for(
            user=learner, category=law, include_subcategories=False
        ).correct
        == 1
    )
    assert category_progress_for(user=learner, category=chapter).correct == 1


def test_progress_rebuild_gives_the_same_numbers_as_the_running_totals(learner, now):
    law, regs = category("禁毒法"), category("戒毒条例")
    questions = [QuestionFactory(category=law if i % 2 else regs) for i in range(6)]
    practice = quiz_add_questions(QuizFactory(), questions[:3])
    exam = quiz_add_questions(ExamFactory(), questions[2:])
    people = [learner, UserFactory()]
    for n, person in enumerate(people):
        for quiz in (practice, exam, exam):
            attempt = attempt_start(quiz=quiz, user=person, now=now)
            for position in range(1, attempt.items.count() + 1):
                if (position + n) % 3:
                    _answer(attempt, person, position, right=position % 2 == 0, now=now)
            attempt_submit(attempt=attempt, user=person, now=now)
    attempt_start(quiz=practice, user=learner, now=now)  # still open: not counted

    fields = (
        "user_id",
        "category_id",
        "items",
        "answered",
        "correct",
        "score",
        "max_score",
    )
    running = sorted(CategoryProgress.objects.values_list(*fields))
    assert running  # something to compare
    CategoryProgress.objects.filter(user=learner).update(correct=99)  # drifted
    assert progress_rebuild() == len(running)
    assert sorted(CategoryProgress.objects.values_list(*fields)) == running


def test_an_attempt_left_open_counts_when_it_times_out(learner, now):
    quiz = quiz_add_questions(ExamFactory(time_limit=30), [QuestionFactory()])
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    _answer(attempt, learner, 1, right=True, now=now)
    assert not CategoryProgress.objects.exists()
    from quizzes.services import attempts_expire

    attempts_expire(now=now + timedelta(minutes=31))
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKED
    assert CategoryProgress.objects.get(user=learner).correct == 1


def test_a_drill_left_open_yesterday_is_closed_and_todays_drawn(
    drill_history, learner, now
):
    drill = QuizFactory(mode=QuizMode.DRILL, drill_size=3)
    yesterday = attempt_start(quiz=drill, user=learner, now=now - timedelta(days=1))
    again = attempt_start(quiz=drill, user=learner, now=now - timedelta(hours=20))
    assert again.pk == yesterday.pk  # the same day: resumed
    today = attempt_start(quiz=drill, user=learner, now=now)
    yesterday.refresh_from_db()
    assert today.pk != yesterday.pk
    assert yesterday.status == AttemptStatus.MARKED
