"""The demo question bank, the demo quizzes and their seeded activity.

The bank checks read the GIFT files with the importer's own pure reader, so they
run without a database; the load checks import the files once (twice for
idempotency) and look at what a learner and a trainer would see.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from quizzes.authoring.marking import marking_queue
from quizzes.demo import (
    DAILY_DRILL,
    DEMO_QUESTIONS_DIR,
    DEMO_QUIZZES,
    EXAM,
    OFFICER_TEST,
    WORKER_TEST,
    DemoQuizzesSummary,
    demo_quizzes_load,
)
from quizzes.io import questions_read
from quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Category,
    Question,
    QuestionKind,
    Quiz,
    QuizMode,
    QuizQuestion,
    QuizRule,
    WrongAnswer,
)
from quizzes.selectors.learning import wrong_answers_for
from quizzes.services import attempt_start, quiz_validate
from tests.factories import UserFactory


def _bank_specs():
    specs, problems = [], []
    for path in sorted(DEMO_QUESTIONS_DIR.glob("*.gift")):
        found, trouble = questions_read(path)
        specs += found
        problems += [f"{path.name} {problem}" for problem in trouble]
    return specs, problems


@pytest.fixture(scope="module")
def bank():
    specs, problems = _bank_specs()
    assert problems == []
    return specs


def test_bank_is_big_enough_and_has_every_kind(bank):
    kinds = Counter(spec.kind for spec in bank)
    assert len(bank) >= 200
    assert set(kinds) == set(QuestionKind.values)
    # The mix the brief asks for, roughly: single choice is the largest share.
    assert kinds[QuestionKind.SINGLE] > kinds[QuestionKind.MULTIPLE]
    assert kinds[QuestionKind.ESSAY] >= 5


def test_every_question_is_complete(bank):
    incomplete = [
        spec.code or spec.position
        for spec in bank
        if not spec.explanation.strip()
        or not spec.code
        or not 1 <= len(spec.knowledge_points) <= 3
        or not spec.category_path
    ]
    assert incomplete == []
    # Every file states a difficulty for every question, not the default.
    for path in DEMO_QUESTIONS_DIR.glob("*.gift"):
        text = path.read_text(encoding="utf-8")
        assert text.count("// 难度:") == text.count("// 编号:"), path.name


def test_codes_are_unique(bank):
    codes = Counter(spec.code for spec in bank)
    assert [code for code, n in codes.items() if n > 1] == []


def test_category_tree_is_small(bank):
    roots = {spec.category_path.split("/")[0] for spec in bank}
    assert 8 <= len(roots) <= 12


def test_fixed_questions_of_the_demo_quizzes_exist_and_are_objective(bank):
    by_code = {spec.code: spec for spec in bank}
    for quiz in (WORKER_TEST, OFFICER_TEST):
        assert len(quiz.codes) == 20
        assert len(set(quiz.codes)) == 20
        for code in quiz.codes:
            assert code in by_code, code
            assert by_code[code].kind != QuestionKind.ESSAY, code


# ---------------------------------------------------------------- the load


# 09:00 on a working day, Beijing time: the exam opens now.
NOW = timezone.make_aware(datetime(2026, 3, 2, 9, 0))


@dataclass
class Demo:
    summary: DemoQuizzesSummary
    officer: object
    worker: object
    trainer: object


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One load for the whole module (importing 260 questions takes seconds),
    rolled back at the end; each test still runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        officer = UserFactory(username="officer")
        worker = UserFactory(username="worker")
        trainer = UserFactory(username="trainer")
        summary = demo_quizzes_load(
            learners=[officer, worker], trainer=trainer, now=NOW
        )
        yield Demo(summary, officer, worker, trainer)
        transaction.set_rollback(True)


def _counts():
    return {
        "questions": Question.objects.count(),
        "versions": Question.objects.aggregate(v=Sum("version"))["v"],
        "categories": Category.objects.count(),
        "quizzes": Quiz.objects.count(),
        "fixed": QuizQuestion.objects.count(),
        "rules": QuizRule.objects.count(),
        "attempts": Attempt.objects.count(),
        "items": AttemptItem.objects.count(),
        "wrong": WrongAnswer.objects.count(),
    }


def test_load_imports_the_bank_and_publishes_valid_quizzes(demo, db, bank):
    assert demo.summary.questions == len(bank)
    assert demo.summary.questions_created == len(bank)
    assert Question.objects.count() == len(bank)
    assert sorted(demo.summary.quizzes_created) == sorted(q.title for q in DEMO_QUIZZES)
    for spec in DEMO_QUIZZES:
        quiz = Quiz.objects.get(slug=spec.slug)
        assert quiz.is_published
        quiz_validate(quiz=quiz)  # raises on any problem
    assert Quiz.objects.get(slug=DAILY_DRILL.slug).mode == QuizMode.DRILL
    worker = Quiz.objects.get(slug=WORKER_TEST.slug)
    assert worker.title == "社区禁毒专干应知应会测试"
    assert worker.gives_feedback
    assert [link.question.code for link in worker.fixed_in_order()] == list(
        WORKER_TEST.codes
    )


def test_exam_is_open_for_a_month_and_draws_a_full_paper(demo, db):
    now = NOW
    exam = Quiz.objects.get(slug=EXAM.slug)
    assert exam.mode == QuizMode.EXAM
    assert (exam.opens_at, exam.closes_at) == (now, now + timedelta(days=30))
    assert (exam.time_limit, exam.max_attempts, exam.pass_mark) == (60, 2, 60)
    # A learner who has not sat it gets every rule's count, worth 100 points.
    attempt = attempt_start(quiz=exam, user=UserFactory(), now=now + timedelta(hours=1))
    items = list(attempt.items.all())
    assert len(items) == sum(rule.count for rule in EXAM.rules)
    assert attempt.max_score == 100
    kinds = Counter(item.kind for item in items)
    assert kinds == {
        QuestionKind.SINGLE: 10,
        QuestionKind.TRUE_FALSE: 5,
        QuestionKind.MULTIPLE: 5,
        QuestionKind.ESSAY: 1,
    }
    assert all(
        item.snapshot["category_path"].startswith("禁毒法律法规")
        and item.snapshot["difficulty"] == "medium"
        for item in items
        if item.kind == QuestionKind.SINGLE
    )


def test_seeded_activity_gives_every_screen_something(demo, db):
    officer, worker = demo.officer, demo.worker
    for learner in (officer, worker):
        practice = Attempt.objects.get(user=learner, quiz__mode=QuizMode.PRACTICE)
        assert practice.status == AttemptStatus.MARKED
        assert practice.items.filter(is_correct=False).count() >= 2
        assert wrong_answers_for(user=learner).count() >= 2
    assert Attempt.objects.get(user=officer, quiz__slug=OFFICER_TEST.slug)
    assert Attempt.objects.get(user=worker, quiz__slug=WORKER_TEST.slug)

    waiting = list(marking_queue())
    assert [item.attempt.user for item in waiting] == [officer]
    assert waiting[0].kind == QuestionKind.ESSAY
    assert waiting[0].attempt.status == AttemptStatus.NEEDS_MARKING
    # The worker's exam has been marked by the trainer: a result to show.
    marked = Attempt.objects.get(user=worker, quiz__slug=EXAM.slug)
    assert marked.status == AttemptStatus.MARKED
    assert marked.passed is True
    assert marked.items.get(kind=QuestionKind.ESSAY).marker == demo.trainer


def test_loading_again_changes_nothing(demo, db):
    before = _counts()
    again = demo_quizzes_load(
        learners=[demo.officer, demo.worker],
        trainer=demo.trainer,
        now=NOW + timedelta(days=1),
    )
    assert _counts() == before
    assert (again.questions_created, again.questions_updated) == (0, 0)
    assert again.questions_unchanged == before["questions"]
    assert (again.quizzes_created, again.quizzes_updated) == ([], [])
    assert again.attempts_created == 0
    exam = Quiz.objects.get(slug=EXAM.slug)
    assert exam.opens_at == NOW  # still the window it was opened with
