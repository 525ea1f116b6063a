"""/api/v1/me/…: the learner's own side, for the mobile app.

Every endpoint reads and writes only the token holder's own record, through the
same services as the site's pages:

- lesson events go through `courses.services.records.lessons` exactly as the
  lesson page's JSON endpoints (`courses.progress_views`) do, so they are
  idempotent the same way: a repeated "opened", a second heartbeat in the same
  minute or a second "complete" records nothing more;
- quiz attempts go through `quizzes.services` (start, save, submit) and
  `quizzes.selectors.attempt_review`, so windows, time limits, late answers and
  the review policy are the engine's, and an answer key the policy hides never
  leaves the server. The checks mirror `quizzes.views.taking`.
"""

import math
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from api.common import assignment_status_out, hours_out, year_check
from api.schemas import (
    AnswerIn,
    AnswerOut,
    AssignmentStatusOut,
    AttemptOut,
    ErrorOut,
    HoursOut,
    LessonEventIn,
    LessonEventOut,
    LessonStatusOut,
)
from courses.models import HourCredit, LearnerProfile
from courses.models.pages import CompletionRule
from courses.progress_views import VIDEO_MAX_SECONDS, learner_ref_for_user
from courses.selectors.records import learner_assignment_statuses, learner_credits
from courses.services.records.aggregate import learner_records_current
from courses.services.records.facts import LearnerRef
from courses.services.records.lessons import (
    LessonNotTrackable,
    LessonRef,
    LessonStatus,
    UnknownVideo,
    lesson_complete_record,
    lesson_heartbeat_record,
    lesson_opened_record,
    lesson_presence_record,
    lesson_ref_for_reader,
    lesson_status,
    lesson_video_record,
)
from courses.services.records.policy import (
    current_training_year,
    policy_for_unit_path,
    requirement_hours,
)
from quizzes.errors import QuizError
from quizzes.models import Attempt, Quiz, SubmitReason
from quizzes.selectors import attempt_get_for_user, attempt_review
from quizzes.services import answer_save, attempt_start, attempt_submit
from quizzes.views.taking import ERROR_STATUS

router = Router(tags=["学员"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}

# The engine's refusal codes as HTTP statuses: the taking pages' own, and those
# of starting an attempt (the quiz page shows them as messages).
QUIZ_ERROR_STATUS = {
    **ERROR_STATUS,
    "not_published": 404,
    "not_open": 409,
    "closed": 409,
    "no_attempts_left": 409,
    "busy": 503,
    "bank_too_small": 409,
    "no_questions": 409,
    "login_required": 401,
}


def _learner(request: HttpRequest) -> LearnerProfile:
    learner = (
        LearnerProfile.objects.select_related("unit", "position")
        .filter(user_id=request.user.pk)
        .first()
    )
    if learner is None:
        raise HttpError(403, _("只有学员才能使用本接口。"))
    return learner


def _quiz_refusal(error: QuizError) -> HttpError:
    status = QUIZ_ERROR_STATUS.get(error.code or "", 400)
    refusal = HttpError(status, " ".join(str(m) for m in error.messages))
    refusal.code = error.code
    return refusal


# ---------------------------------------------------------------- record


@router.get(
    "assignments",
    response={200: list[AssignmentStatusOut], **ERRORS},
    summary="我的必修课程",
    description="布置给我的必修课程及完成情况；不给 year 时为当前培训年度。",
)
def me_assignments(request, year: int | None = None):
    learner = _learner(request)
    year = year_check(year) or current_training_year(learner=learner)
    learner_records_current(learner_id=learner.pk)
    today = timezone.localdate()
    statuses = learner_assignment_statuses(learner=learner, training_year=year)
    return [assignment_status_out(status, today) for status in statuses]


@router.get(
    "hours",
    response={200: HoursOut, **ERRORS},
    summary="我的学时",
    description="学时明细与合计（每一学时的来源）；不给 year 时为当前培训年度。",
)
def me_hours(request, year: int | None = None):
    learner = _learner(request)
    year = year_check(year) or current_training_year(learner=learner)
    credits = list(learner_credits(learner=learner, training_year=year))
    return hours_out(credits, year=year, required=requirement_hours(learner=learner))


# ---------------------------------------------------------------- lessons


def _lesson_for(request, lesson_id: int) -> tuple[LearnerRef, LessonRef]:
    _learner(request)
    learner = learner_ref_for_user(request.user)
    if learner is None:  # a profile made a moment ago, behind the cache
        raise HttpError(403, _("只有学员才能记录学习进度。"))
    try:
        # With the request, so a view restriction on the lesson applies.
        lesson = lesson_ref_for_reader(lesson_id=lesson_id, request=request)
    except LessonNotTrackable:
        raise HttpError(404, _("课程不存在或您无权学习")) from None
    return learner, lesson


def _seconds(value: float | None) -> int:
    if value is None or not math.isfinite(value):
        raise HttpError(400, _("播放位置和视频时长必须是数字（秒）。"))
    if value < 0:
        raise HttpError(400, _("播放位置和视频时长不能是负数。"))
    return int(value)


def _percent(lesson: LessonRef, status: LessonStatus) -> int:
    if status.completed_at is not None or status.rule_met:
        return 100
    if lesson.rule == CompletionRule.TIME:
        return min(99, status.seconds * 100 // max(status.needed_seconds, 1))
    if lesson.rule == CompletionRule.VIDEO:
        return min(99, status.video_percent * 100 // max(lesson.video_percent, 1))
    return 0


def _status_out(learner: LearnerRef, lesson: LessonRef, status: LessonStatus) -> dict:
    completed = status.completed_at is not None
    hours = Decimal(0)
    if completed:
        # The ledger line `lesson_complete_record` writes for this lesson.
        hours = (
            HourCredit.objects.filter(learner_id=learner.id, key=f"lesson:L{lesson.id}")
            .values_list("hours", flat=True)
            .first()
        ) or Decimal(0)
    return {
        "lesson": lesson.id,
        "rule": lesson.rule,
        "seconds": status.seconds,
        "needed_seconds": status.needed_seconds,
        "video_percent": status.video_percent,
        "video_needed_percent": lesson.video_percent,
        "video_resume_at": status.video_resume_at,
        "video_resume": status.video_resume,
        "presence_minutes": policy_for_unit_path(learner.unit_path).presence_minutes,
        "quiz_passed": status.quiz_passed,
        "rule_met": status.rule_met,
        "percent": _percent(lesson, status),
        "completed": completed,
        "completed_at": status.completed_at,
        "hours": hours,
    }


@router.get(
    "lessons/{lesson_id}/progress",
    response={200: LessonStatusOut, **ERRORS},
    summary="我在一课中的学习状态",
)
def me_lesson_progress(request, lesson_id: int):
    learner, lesson = _lesson_for(request, lesson_id)
    status = lesson_status(learner=learner, lesson=lesson)
    return _status_out(learner, lesson, status)


@router.post(
    "lessons/{lesson_id}/events",
    response={200: LessonEventOut, **ERRORS},
    summary="记录学习事件",
    description="opened：打开课程（规则为“打开即完成”的课程此时计入学时）；"
    "heartbeat：页面可见且在学习时每 30 秒一次，同一分钟内重复只计一次；"
    "video：播放位置与时长（秒），按 10 秒片段计实际观看；"
    "complete：申请完成，服务器按自己的记录核对完成条件，未达到返回 409，"
    "重复申请不会重复计学时。",
)
def me_lesson_event(request, lesson_id: int, event: LessonEventIn):
    learner, lesson = _lesson_for(request, lesson_id)
    if event.type == "opened":
        lesson_opened_record(learner=learner, lesson=lesson)
        status = lesson_status(learner=learner, lesson=lesson)
        return {"recorded": True, "status": _status_out(learner, lesson, status)}
    if event.type == "heartbeat":
        lesson_heartbeat_record(learner=learner, lesson=lesson)
        return {"recorded": True, "status": None}
    if event.type == "presence":
        lesson_presence_record(learner=learner, lesson=lesson)
        return {"recorded": True, "status": None}
    if event.type == "video":
        position, duration = _seconds(event.position), _seconds(event.duration)
        if duration <= 0 or duration > VIDEO_MAX_SECONDS:
            raise HttpError(400, _("视频时长无效。"))
        if position > duration:
            raise HttpError(400, _("播放位置超出了视频时长。"))
        try:
            lesson_video_record(
                learner=learner,
                lesson=lesson,
                position=position,
                duration=duration,
                video=event.video,
            )
        except UnknownVideo:
            raise HttpError(400, _("本课没有这个视频。")) from None
        return {"recorded": True, "status": None}
    status = lesson_complete_record(learner=learner, lesson=lesson)
    if status.completed_at is None:
        raise HttpError(409, _("尚未达到本课的完成条件。"))
    return {"recorded": True, "status": _status_out(learner, lesson, status)}


# ---------------------------------------------------------------- quizzes


def _attempt(request, token: str) -> Attempt:
    _learner(request)
    try:
        return attempt_get_for_user(token=token, user=request.user)
    except Attempt.DoesNotExist:
        raise HttpError(404, _("找不到该答卷。")) from None


def _remaining(attempt: Attempt, now: datetime) -> int | None:
    if attempt.deadline is None or not attempt.is_in_progress:
        return None
    return max(0, math.floor((attempt.deadline - now).total_seconds()))


def _attempt_out(attempt: Attempt, user, now: datetime) -> dict:
    """The attempt as the policy lets the learner see it now (`attempt_review`)."""
    review = attempt_review(attempt=attempt, user=user, now=now)
    state = {
        position: (revision, checked_at is not None)
        for position, revision, checked_at in attempt.items.values_list(
            "position", "revision", "checked_at"
        )
    }
    quiz = attempt.quiz
    # As the result page: a finished attempt whose key the policy still hides
    # shows no questions at all (an exam still open for others).
    hidden = not attempt.is_in_progress and not any(i.shows_key for i in review.items)
    return {
        "token": attempt.token,
        "quiz": {"slug": quiz.slug, "title": quiz.title, "mode": quiz.mode},
        "number": attempt.number,
        "status": attempt.status,
        "in_progress": attempt.is_in_progress,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "submitted_at": attempt.submitted_at,
        "remaining_seconds": _remaining(attempt, now),
        "shows_score": review.shows_score,
        "score": review.score,
        "max_score": review.max_score,
        "percent": review.percent,
        "passed": review.passed,
        "key_available_at": review.key_available_at,
        "items_hidden": hidden,
        "items": []
        if hidden
        else [
            {
                "position": item.position,
                "kind": item.kind,
                "stem_html": item.stem,
                "options": item.options,
                "blank_count": item.blank_count,
                "points": item.points,
                "response": item.response,
                "revision": state[item.position][0],
                "locked": state[item.position][1],
                "shows_key": item.shows_key,
                "is_correct": item.is_correct,
                "score": item.score,
                "correct_answer": item.correct_answer,
                "explanation": item.explanation,
                "marker_comment": item.marker_comment,
            }
            for item in review.items
        ],
    }


def _current(request, attempt: Attempt, now: datetime) -> Attempt:
    """An attempt whose time ran out is handed in first, as the pages do."""
    if attempt.is_in_progress and attempt.is_overdue(now):
        return attempt_submit(
            attempt=attempt, user=request.user, reason=SubmitReason.TIMEOUT, now=now
        )
    return attempt


@router.post(
    "quizzes/{slug}/attempts",
    response={200: AttemptOut, **ERRORS},
    summary="开始或继续作答",
    description="已有进行中的答卷则继续它（截止时间不变），否则开始新的一次。"
    "测验未开放、已结束或作答次数用完时返回 409。",
)
def me_attempt_start(request, slug: str):
    _learner(request)
    quiz = Quiz.objects.filter(slug=slug, is_published=True).first()
    if quiz is None:
        raise HttpError(404, _("测验不存在。"))
    now = timezone.now()
    try:
        attempt = attempt_start(quiz=quiz, user=request.user, now=now)
    except QuizError as error:
        raise _quiz_refusal(error) from None
    return _attempt_out(attempt, request.user, now)


@router.get(
    "attempts/{token}",
    response={200: AttemptOut, **ERRORS},
    summary="答卷",
    description="题目与我的作答；正确答案、解析与得分只在测验的评阅策略允许时给出。"
    "时间已到的答卷会先自动交卷。",
)
def me_attempt(request, token: str):
    attempt = _attempt(request, token)
    now = timezone.now()
    attempt = _current(request, attempt, now)
    return _attempt_out(attempt, request.user, now)


@router.put(
    "attempts/{token}/answers/{position}",
    response={200: AnswerOut, **ERRORS},
    summary="保存一题的作答",
    description="重复保存相同答案不产生变化。交卷后或时间已到的作答被拒绝（409，"
    "code 为 submitted 或 time_up；时间已到时答卷已自动交卷）。"
    "给出 revision 时，基于旧版本的作答被拒绝（409，code 为 stale）。",
)
def me_answer(request, token: str, position: int, body: AnswerIn):
    attempt = _attempt(request, token)
    now = timezone.now()
    try:
        result = answer_save(
            attempt=attempt,
            user=request.user,
            position=position,
            response=body.response,
            client_revision=body.revision,
            now=now,
        )
    except QuizError as error:
        raise _quiz_refusal(error) from None
    item = result.item
    feedback = None
    if result.feedback is not None:
        feedback = {
            "is_correct": result.feedback.is_correct,
            "score": result.feedback.score,
            "correct_answer": result.feedback.correct_answer,
            "explanation": result.feedback.explanation,
        }
    return {
        "saved": True,
        "changed": result.changed,
        "revision": item.revision,
        "answered": item.response is not None,
        "remaining_seconds": _remaining(attempt, now),
        "feedback": feedback,
    }


@router.post(
    "attempts/{token}/submit",
    response={200: AttemptOut, **ERRORS},
    summary="交卷",
    description="可安全重复：再次交卷返回同一结果，成绩只计一次。",
)
def me_attempt_submit(request, token: str):
    attempt = _attempt(request, token)
    now = timezone.now()
    try:
        attempt = attempt_submit(attempt=attempt, user=request.user, now=now)
    except QuizError as error:
        raise _quiz_refusal(error) from None
    return _attempt_out(attempt, request.user, now)
