"""Taking an attempt: the paper, saving each answer, handing in, the result.

The server keeps the clock: the page is given the seconds left (deadline − now)
and every answer response repeats them, so a reload, another device or a
sleeping phone never resets it. A forged or another learner's token is a 404
(`attempt_get_for_user`). Refusals from the services (`QuizError`) reach the
learner as their Chinese message: as JSON to the script, as a message on the
page without it.
"""

import json
import math
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from quizzes.errors import QuizError
from quizzes.forms import AnswerForm
from quizzes.models import Attempt, AttemptStatus, PageLayout, SubmitReason
from quizzes.selectors import attempt_get_for_user, attempt_review
from quizzes.services import (
    answer_save,
    answer_save_by_token,
    attempt_submit,
    attempt_submit_by_token,
)

from .display import item_options, question_view, question_view_from_review

# A refusal's HTTP status: the request was fine, the attempt's state says no.
ERROR_STATUS = {
    "not_owner": 404,
    "not_in_attempt": 400,
    "bad_response": 400,
    "submitted": 409,
    "time_up": 409,
    "stale": 409,
    "already_checked": 409,
}


def _attempt_or_404(request, token: str) -> Attempt:
    try:
        return attempt_get_for_user(token=token, user=request.user)
    except Attempt.DoesNotExist as error:
        raise Http404 from error


def _remaining(attempt: Attempt, now: datetime) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, math.floor((attempt.deadline - now).total_seconds()))


def clock_text(seconds: int | None) -> str:
    """Seconds as the timer shows them: “29:59”, or “1:05:00” past an hour."""
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _error_message(error: QuizError) -> str:
    return " ".join(str(m) for m in error.messages)


def _time_up_redirect(request, attempt: Attempt) -> HttpResponseRedirect:
    attempt_submit(attempt=attempt, user=request.user, reason=SubmitReason.TIMEOUT)
    messages.warning(request, _("答题时间已到，试卷已自动交卷。"))
    return redirect("quizzes:result", token=attempt.token)


def _script_text() -> dict[str, str]:
    """The page script's messages, translated here like every other string."""
    return {
        "saving": _("正在保存…"),
        "saved": _("已保存"),
        "failed": _("保存失败，请检查网络，正在重试…"),
        "session": _("登录已失效：答案暂存在本机，请重新登录后回到本页。"),
        "unconfirmed": _("已选择，点击“确认答案”查看对错"),
        "confirm_leave": _("本题答案还没有确认，确定离开吗？"),
        "unsaved_leave": _("还有答案没有保存成功，确定离开吗？"),
        "reload": _("刷新页面"),
        "time_left": _("剩余时间 %(time)s"),
        "time_warning": _("还剩 %(minutes)s 分钟"),
        "time_over": _("时间到，正在交卷…"),
        "restored": _("已恢复本机暂存的答案"),
        "answered_mark": _("（已答）"),
        "unanswered_mark": _("（未答）"),
    }


@login_required
def attempt_take(request, token: str):
    attempt = _attempt_or_404(request, token)
    if not attempt.is_in_progress:
        return redirect("quizzes:result", token=attempt.token)
    now = timezone.now()
    if attempt.is_overdue(now):
        return _time_up_redirect(request, attempt)
    quiz = attempt.quiz
    review = attempt_review(attempt=attempt, user=request.user, now=now)
    questions = [
        question_view_from_review(item, revision=item.revision, locked=item.checked)
        for item in review.items
    ]
    one_per_page = quiz.layout == PageLayout.ONE_PER_PAGE
    current = None
    if one_per_page and questions:
        try:
            wanted = int(request.GET.get("n", "1"))
        except ValueError:
            wanted = 1
        wanted = min(max(wanted, 1), len(questions))
        current = questions[wanted - 1]
    shown = [current] if current else questions
    return render(
        request,
        "quizzes/learner/attempt.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "questions": questions,
            "shown": shown,
            "current": current,
            "one_per_page": one_per_page,
            "previous": current.position - 1
            if current and current.position > 1
            else None,
            "next": (
                current.position + 1
                if current and current.position < len(questions)
                else None
            ),
            "remaining": _remaining(attempt, now),
            "remaining_text": clock_text(_remaining(attempt, now)),
            "answered_count": sum(1 for q in questions if q.answered),
            "script_text": _script_text(),
        },
    )


def _json_error(error: QuizError, attempt: Attempt, now: datetime) -> JsonResponse:
    code = error.code or "error"
    payload: dict[str, object] = {
        "saved": False,
        "error": _error_message(error),
        "code": code,
    }
    if code in ("submitted", "time_up"):
        payload["result_url"] = reverse("quizzes:result", args=[attempt.token])
    else:
        payload["remaining"] = _remaining(attempt, now)
    return JsonResponse(payload, status=ERROR_STATUS.get(code, 400))


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse(
        {"saved": False, "error": message, "code": "bad_request"}, status=400
    )


@require_POST
@login_required
def answer(request, token: str):
    if request.content_type == "application/json":
        return _answer_json(request, token)
    return _answer_form(request, _attempt_or_404(request, token))


def _answer_json(request, token: str) -> JsonResponse:
    """The page script's save. The service finds and locks the attempt by its
    token while it reads the item; the attempt is read separately only to
    explain a refusal."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return _bad_request(_("请求格式不正确。"))
    if not isinstance(body, dict):
        return _bad_request(_("请求格式不正确。"))
    position, revision = body.get("position"), body.get("revision")
    if type(position) is not int or not (revision is None or type(revision) is int):
        return _bad_request(_("请求格式不正确。"))
    now = timezone.now()
    try:
        result = answer_save_by_token(
            token=token,
            user=request.user,
            position=position,
            response=body.get("response"),
            client_revision=revision,
            now=now,
        )
    except Attempt.DoesNotExist as error:
        raise Http404 from error
    except QuizError as error:
        return _json_error(error, _attempt_or_404(request, token), now)
    item = result.item
    payload: dict[str, object] = {
        "saved": True,
        "changed": result.changed,
        "revision": item.revision,
        "answered": item.response is not None,
        "remaining": _remaining(item.attempt, now),
    }
    if result.feedback is not None:
        view = question_view(
            position=item.position,
            kind=item.kind,
            stem=item.snapshot["stem"],
            options=item_options(item),
            blank_count=len(item.snapshot.get("blanks", [])),
            points=item.points,
            response=item.response,
            shows_key=True,
            is_correct=result.feedback.is_correct,
            score=result.feedback.score,
            correct_answer=result.feedback.correct_answer,
            explanation=result.feedback.explanation,
            locked=True,
        )
        payload["feedback"] = {
            "is_correct": result.feedback.is_correct,
            "correct_options": [o.id for o in view.options if o.correct],
            "html": render_to_string("quizzes/learner/_feedback.html", {"q": view}),
        }
    return JsonResponse(payload)


def _answer_form(request, attempt: Attempt) -> HttpResponseRedirect:
    """The same save for a page without JavaScript: save, then show a page."""
    form = AnswerForm(request.POST)
    attempt_url = reverse("quizzes:attempt", args=[attempt.token])
    if not form.is_valid():
        messages.error(request, _("请求格式不正确。"))
        return HttpResponseRedirect(attempt_url)
    position = form.cleaned_data["position"]
    item = attempt.items.filter(position=position).only("kind", "snapshot").first()
    if item is None:
        messages.error(request, _("该题不在本次答卷中。"))
        return HttpResponseRedirect(attempt_url)
    try:
        result = answer_save(
            attempt=attempt,
            user=request.user,
            position=position,
            response=form.response_for(item.kind),
            client_revision=form.cleaned_data["revision"],
        )
    except QuizError as error:
        messages.error(request, _error_message(error))
        if error.code in ("submitted", "time_up"):
            return redirect("quizzes:result", token=attempt.token)
        return HttpResponseRedirect(f"{attempt_url}?n={position}#q-{position}")
    if result.changed:
        messages.success(request, _("第%(number)s题已保存。") % {"number": position})
    go = form.cleaned_data["go"]
    if go == "submit":
        return redirect("quizzes:submit", token=attempt.token)
    # New feedback is shown on the question it belongs to before moving on.
    if go and not (result.changed and result.feedback is not None):
        return HttpResponseRedirect(f"{attempt_url}?n={go}")
    return HttpResponseRedirect(f"{attempt_url}?n={position}#q-{position}")


@require_http_methods(["GET", "POST"])
@login_required
def submit(request, token: str):
    if request.method == "POST":
        # Idempotent: a second click or tab gets the same, already counted result.
        try:
            attempt = attempt_submit_by_token(token=token, user=request.user)
        except Attempt.DoesNotExist as error:
            raise Http404 from error
        return redirect("quizzes:result", token=attempt.token)
    attempt = _attempt_or_404(request, token)
    if not attempt.is_in_progress:
        return redirect("quizzes:result", token=attempt.token)
    now = timezone.now()
    if attempt.is_overdue(now):
        return _time_up_redirect(request, attempt)
    unanswered = list(
        attempt.items.filter(response__isnull=True)
        .order_by("position")
        .values_list("position", flat=True)
    )
    return render(
        request,
        "quizzes/learner/submit.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "unanswered": unanswered,
            "total": attempt.items.count(),
            "remaining": _remaining(attempt, now),
            "remaining_text": clock_text(_remaining(attempt, now)),
            "one_per_page": attempt.quiz.layout == PageLayout.ONE_PER_PAGE,
            "script_text": _script_text(),
        },
    )


@login_required
def result(request, token: str):
    attempt = _attempt_or_404(request, token)
    if attempt.is_in_progress:
        now = timezone.now()
        if not attempt.is_overdue(now):
            return redirect("quizzes:attempt", token=attempt.token)
        attempt = attempt_submit(
            attempt=attempt, user=request.user, reason=SubmitReason.TIMEOUT
        )
    review = attempt_review(attempt=attempt, user=request.user)
    questions = [question_view_from_review(item) for item in review.items]
    shows_items = any(q.shows_key for q in questions)
    return render(
        request,
        "quizzes/learner/result.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "review": review,
            "questions": questions if shows_items else [],
            "needs_marking": attempt.status == AttemptStatus.NEEDS_MARKING,
            "answered_count": sum(1 for q in questions if q.answered),
            "total": len(questions),
            "correct_count": sum(1 for q in questions if q.is_correct),
        },
    )
