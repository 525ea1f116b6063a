"""Finding a quiz: the list, a quiz's page, starting it, the daily drill, progress."""

from collections import defaultdict
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from quizzes.errors import QuizError
from quizzes.models import (
    Attempt,
    AttemptStatus,
    Category,
    CategoryProgress,
    Quiz,
    QuizMode,
    ReviewPolicy,
    WrongAnswer,
)
from quizzes.selectors import category_progress_for, quiz_grade_for
from quizzes.services import attempt_start

from .display import MODE_ORDER, quiz_window, score_visible

PROGRESS_MAX_DEPTH = 2


def _attempt_row(attempt: Attempt, now: datetime) -> dict:
    quiz = attempt.quiz
    shows_score = attempt.status == AttemptStatus.MARKED and score_visible(quiz, now)
    return {
        "attempt": attempt,
        "shows_score": shows_score,
        "awaiting_close": (
            not attempt.is_in_progress
            and quiz.review_policy == ReviewPolicy.AFTER_CLOSE
            and not score_visible(quiz, now)
        ),
    }


def _quiz_summary(
    quiz: Quiz, attempts: list[Attempt], user, now: datetime
) -> dict[str, object]:
    open_attempt = next((a for a in attempts if a.is_in_progress), None)
    finished = [a for a in attempts if not a.is_in_progress]
    grade = quiz_grade_for(quiz=quiz, user=user) if finished else None
    used = len(attempts)
    left = None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0)
    window = quiz_window(quiz, now)
    can_start = (
        open_attempt is None
        and window in ("open", "always")
        and (left is None or left > 0)
    )
    return {
        "quiz": quiz,
        "window": window,
        "open_attempt": open_attempt,
        "attempts_used": used,
        "attempts_left": left,
        "grade": grade,
        "grade_visible": grade is not None and score_visible(quiz, now),
        "can_start": can_start,
    }


@login_required
def quiz_index(request):
    now = timezone.now()
    quizzes = list(Quiz.objects.filter(is_published=True).order_by("-created_at"))
    attempts_by_quiz: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in Attempt.objects.filter(
        user=request.user, quiz__in=[q.pk for q in quizzes]
    ).order_by("number"):
        attempts_by_quiz[attempt.quiz_id].append(attempt)
    groups = []
    for mode in MODE_ORDER:
        rows = [
            _quiz_summary(quiz, attempts_by_quiz[quiz.pk], request.user, now)
            for quiz in quizzes
            if quiz.mode == mode
        ]
        if rows:
            groups.append({"mode": mode, "label": mode.label, "rows": rows})
    return render(
        request,
        "quizzes/learner/index.html",
        {
            "groups": groups,
            "wrong_count": WrongAnswer.objects.unmastered()
            .filter(user=request.user)
            .count(),
        },
    )


@login_required
def quiz_detail(request, slug: str):
    quiz = get_object_or_404(Quiz, slug=slug, is_published=True)
    now = timezone.now()
    attempts = list(
        Attempt.objects.filter(quiz=quiz, user=request.user)
        .select_related("quiz")
        .order_by("number")
    )
    summary = _quiz_summary(quiz, attempts, request.user, now)
    return render(
        request,
        "quizzes/learner/detail.html",
        {
            **summary,
            "past": [_attempt_row(a, now) for a in attempts if not a.is_in_progress],
        },
    )


@require_POST
@login_required
def quiz_start(request, slug: str):
    quiz = get_object_or_404(Quiz, slug=slug, is_published=True)
    try:
        attempt = attempt_start(quiz=quiz, user=request.user)
    except QuizError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("quizzes:detail", slug=quiz.slug)
    return redirect("quizzes:attempt", token=attempt.token)


def _drill_quiz() -> Quiz | None:
    return (
        Quiz.objects.filter(is_published=True, mode=QuizMode.DRILL)
        .order_by("-created_at", "id")
        .first()
    )


@login_required
def drill(request):
    quiz = _drill_quiz()
    now = timezone.now()
    today = timezone.localdate(now)
    context: dict[str, object] = {"quiz": quiz}
    if quiz is not None:
        todays = [
            a
            for a in Attempt.objects.filter(quiz=quiz, user=request.user)
            .select_related("quiz")
            .order_by("-number")[:10]
            if timezone.localdate(a.started_at) == today
        ]
        context.update(
            open_attempt=next((a for a in todays if a.is_in_progress), None),
            done_today=[_attempt_row(a, now) for a in todays if not a.is_in_progress],
            due_count=WrongAnswer.objects.due(now).filter(user=request.user).count(),
            summary=_quiz_summary(quiz, [], request.user, now),
        )
    return render(request, "quizzes/learner/drill.html", context)


@login_required
def progress(request):
    paths = list(
        CategoryProgress.objects.filter(user=request.user).values_list(
            "category__path", flat=True
        )
    )
    rows = []
    if paths:
        # The categories down to PROGRESS_MAX_DEPTH that hold some of my progress.
        categories = Category.objects.filter(depth__lte=PROGRESS_MAX_DEPTH)
        for category in categories:
            if not any(path.startswith(category.path) for path in paths):
                continue
            summary = category_progress_for(user=request.user, category=category)
            accuracy = (
                round(summary.correct * 100 / summary.answered)
                if summary.answered
                else None
            )
            rows.append(
                {
                    "category": category,
                    "summary": summary,
                    "percent": summary.percent,
                    "bar": int(summary.percent or 0),
                    "accuracy": accuracy,
                }
            )
    return render(request, "quizzes/learner/progress.html", {"rows": rows})
