"""Bulk fake attempts for item statistics: tests and the benchmark.

`stats_quiz_create(attempts=5000)` builds an exam with a mix of question types
and that many marked attempts, written with bulk_create (no services: this is
the shape the statistics read, made fast). Learners have an ability and
questions a difficulty, so easy questions have a high facility and good
questions discriminate; one question is answered at random, one is mis-keyed
(better learners pick a wrong option), so the figures have something to show.
"""

import math
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Question,
    QuestionKind,
    Quiz,
    QuizMode,
    QuizQuestion,
    ReviewPolicy,
)
from quizzes.scoring import quantize, question_snapshot
from quizzes.services import category_ensure, question_create

KINDS = [
    QuestionKind.SINGLE,
    QuestionKind.SINGLE,
    QuestionKind.MULTIPLE,
    QuestionKind.TRUE_FALSE,
    QuestionKind.FILL_IN,
    QuestionKind.ESSAY,
]


def _question(kind: str, number: int, category) -> Question:
    options = []
    if kind == QuestionKind.SINGLE:
        options = [
            {"text": f"选项{letter}", "is_correct": letter == "A"} for letter in "ABCD"
        ]
    if kind == QuestionKind.MULTIPLE:
        options = [
            {"text": f"选项{letter}", "is_correct": letter in "ABC"}
            for letter in "ABCDE"
        ]
    return question_create(
        kind=kind,
        stem=f"<p>统计用第{number}题</p>",
        category=category,
        options=options,
        blanks=[["禁毒法"]] if kind == QuestionKind.FILL_IN else [],
        true_answer=True if kind == QuestionKind.TRUE_FALSE else None,
        points=Decimal("5") if kind == QuestionKind.ESSAY else Decimal("2"),
    )


def _response(snapshot: dict, right: bool, rng: random.Random):
    kind = snapshot["kind"]
    options = snapshot.get("options", [])
    correct = [o["id"] for o in options if o["correct"]]
    wrong = [o["id"] for o in options if not o["correct"]]
    if kind == QuestionKind.SINGLE:
        return {"option": correct[0] if right else rng.choice(wrong)}
    if kind == QuestionKind.MULTIPLE:
        if right:
            return {"options": sorted(correct)}
        return {"options": sorted(rng.sample(correct, 2) + [rng.choice(wrong)])}
    if kind == QuestionKind.TRUE_FALSE:
        return {"value": right}
    if kind == QuestionKind.FILL_IN:
        return {"blanks": ["禁毒法" if right else "戒毒条例"]}
    return {"text": "回答要点" * (3 if right else 1)}


@transaction.atomic
def stats_quiz_create(
    *, attempts: int = 5000, questions: int = 20, seed: int = 1
) -> Quiz:
    rng = random.Random(seed)
    category = category_ensure(path=f"统计样本/{seed}")
    bank = [_question(KINDS[i % len(KINDS)], i + 1, category) for i in range(questions)]
    quiz = Quiz.objects.create(
        title=f"试题分析样本{seed}",
        slug=f"stats-sample-{seed}-{attempts}",
        mode=QuizMode.EXAM,
        review_policy=ReviewPolicy.AFTER_SUBMIT,
        is_published=True,
    )
    QuizQuestion.objects.bulk_create(
        QuizQuestion(quiz=quiz, question=q, sort_order=i) for i, q in enumerate(bank)
    )
    questions_full = Question.objects.select_related("category").prefetch_related(
        "options", "blank_answers"
    )
    snapshots = {
        q.pk: question_snapshot(q) for q in questions_full.filter(quiz_links__quiz=quiz)
    }
    difficulty = {q.pk: rng.uniform(-1.5, 1.5) for q in bank}
    random_question, miskeyed_question = bank[0].pk, bank[1].pk
    max_score = sum((q.points for q in bank), Decimal("0"))

    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"stats-{seed}-{i}", password="!") for i in range(attempts)
    )
    start = timezone.make_aware(datetime(2025, 6, 2, 9, 0))
    rows, papers = [], []
    for user in users:
        ability = rng.gauss(0, 1)
        paper = []
        for position, question in enumerate(bank, start=1):
            chance = 1 / (1 + math.exp(difficulty[question.pk] - ability))
            if question.pk == random_question:
                chance = 0.5
            if question.pk == miskeyed_question:
                chance = 1 - chance
            right = rng.random() < chance
            snapshot = snapshots[question.pk]
            if question.kind == QuestionKind.ESSAY:
                score = quantize(question.points * Decimal(str(round(chance, 1))))
            else:
                score = question.points if right else Decimal("0")
            paper.append((position, question, snapshot, right, score))
        total = sum((score for *_rest, score in paper), Decimal("0"))
        percent = quantize(total * 100 / max_score)
        rows.append(
            Attempt(
                user=user,
                quiz=quiz,
                number=1,
                status=AttemptStatus.MARKED,
                started_at=start,
                submitted_at=start + timedelta(minutes=30),
                marked_at=start + timedelta(hours=2),
                score=total,
                max_score=max_score,
                percent=percent,
                passed=percent >= quiz.pass_mark,
            )
        )
        papers.append(paper)
    Attempt.objects.bulk_create(rows, batch_size=1000)
    items = [
        AttemptItem(
            attempt=attempt,
            position=position,
            question=question,
            category_id=question.category_id,
            kind=question.kind,
            points=question.points,
            snapshot=snapshot,
            option_order=[o["id"] for o in snapshot.get("options", [])],
            response=_response(snapshot, right, rng),
            is_correct=score == question.points,
            score=score,
        )
        for attempt, paper in zip(rows, papers, strict=True)
        for position, question, snapshot, right, score in paper
    ]
    AttemptItem.objects.bulk_create(items, batch_size=5000)
    return quiz
