"""The wrong-answer book (错题本) and redoing it.

A mistake made in an exam whose answers are not out yet (review “after close”
before the close, or “never”) must not reveal the key here either: such an
entry shows no key, and one from an exam still running is not listed at all,
only counted, and is left out of a redo (whose practice feedback would show it).
"""

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from quizzes.errors import QuizError
from quizzes.models import AttemptItem, Category, ReviewPolicy
from quizzes.scoring import correct_answer
from quizzes.selectors import wrong_answers_for
from quizzes.services.redo import (
    REDO_MAX_QUESTIONS,
    redo_in_progress,
    wrong_answer_redo_start,
)

from .display import item_options, key_visible, question_view


def _book(user, category: Category | None = None):
    """The visible entries, each with its last wrong answer, and how many wait."""
    now = timezone.now()
    entries = list(wrong_answers_for(user=user, category=category))
    last_wrong: dict[int, AttemptItem] = {}
    items = (
        AttemptItem.objects.filter(
            attempt__user=user,
            question_id__in=[entry.question_id for entry in entries],
            is_correct=False,
            response__isnull=False,
        )
        .select_related("attempt__quiz")
        .order_by("question_id", "-answered_at", "-id")
    )
    for item in items:
        last_wrong.setdefault(item.question_id, item)
    visible, hidden = [], 0
    for entry in entries:
        item = last_wrong.get(entry.question_id)
        if item is None:
            continue  # recorded without an answer on file: nothing to show
        attempt = item.attempt
        shows_key = key_visible(attempt, item, now)
        withheld = (
            not shows_key and attempt.quiz.review_policy == ReviewPolicy.AFTER_CLOSE
        )
        if withheld:
            hidden += 1
            continue
        snapshot = item.snapshot
        view = question_view(
            position=0,
            kind=item.kind,
            stem=snapshot["stem"],
            options=item_options(item),
            blank_count=len(snapshot.get("blanks", [])),
            points=item.points,
            response=item.response,
            shows_key=shows_key,
            correct_answer=correct_answer(snapshot) if shows_key else None,
            explanation=snapshot.get("explanation", "") if shows_key else None,
            is_correct=False,
        )
        visible.append(
            {
                "entry": entry,
                "q": view,
                "category": entry.question.category,
                "quiz": attempt.quiz,
                "can_redo": shows_key,
            }
        )
    return visible, hidden


@login_required
def wrong_answers(request):
    visible, hidden = _book(request.user)
    groups: OrderedDict[int, dict] = OrderedDict()
    for row in sorted(visible, key=lambda r: r["category"].path):
        category = row["category"]
        group = groups.setdefault(
            category.pk, {"category": category, "rows": [], "redo": 0}
        )
        group["rows"].append(row)
        group["redo"] += int(row["can_redo"])
    return render(
        request,
        "quizzes/learner/wrong_answers.html",
        {
            "groups": list(groups.values()),
            "total": len(visible),
            "redo_count": sum(int(r["can_redo"]) for r in visible),
            "hidden": hidden,
            "open_redo": redo_in_progress(user=request.user),
            "redo_max": REDO_MAX_QUESTIONS,
        },
    )


@require_POST
@login_required
def wrong_answers_redo(request):
    category = None
    if request.POST.get("category", "").isdigit():
        category = Category.objects.filter(pk=int(request.POST["category"])).first()
    open_redo = redo_in_progress(user=request.user)
    if open_redo is not None:
        return redirect("quizzes:attempt", token=open_redo.token)
    visible, _hidden = _book(request.user, category=category)
    # Most urgent first: due for review soonest, then the latest mistakes.
    chosen = sorted(
        (row["entry"] for row in visible if row["can_redo"]),
        key=lambda e: (e.due_at is None, e.due_at or e.last_wrong_at),
    )
    try:
        attempt = wrong_answer_redo_start(
            user=request.user, question_ids=[e.question_id for e in chosen]
        )
    except QuizError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
        return redirect("quizzes:wrong_answers")
    return redirect("quizzes:attempt", token=attempt.token)
