"""Lesson progress from the reader's browser (static/js/records.js).

JSON endpoints for a signed-in learner: the lesson was opened, a heartbeat of
time on task, how far a video was played, "I have finished"; and the reader's
own status on the lesson. The server decides: a lesson the reader may not see
is refused, a completion is credited only once the lesson's rule is met by the
server's own facts.

A heartbeat is the busiest request of the site (every reader, every 30 s), so
what it needs of the learner is cached per account and user version
(`courses.cache`): apart from the session and the user, a beat costs the two
statements of `fact_record`.
"""

import json
import math
from decimal import Decimal
from functools import wraps

from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from courses.cache import USER_FRAGMENT_SECONDS, user_version
from courses.models import HourCredit, LearnerProfile
from courses.models.pages import CompletionRule
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
from courses.services.records.policy import policy_for_unit_path

# A video longer than this is not a lesson video: the numbers are made up.
VIDEO_MAX_SECONDS = 12 * 60 * 60
_NOT_A_LEARNER = "none"


def learner_ref_for_user(user) -> LearnerRef | None:
    """The signed-in user's learner, from the cache while their user version holds.

    The version moves whenever the profile is saved (a move to another unit
    included, see `courses.signals`), so a beat never files a fact under a unit
    the learner has left; the lifetime bounds what a bulk update could leave.
    """
    key = f"records:learner-ref:{user.pk}:{user_version(user.pk)}"
    ref = cache.get(key)
    if ref is None:
        profile = (
            LearnerProfile.objects.select_related("unit")
            .only("id", "user", "unit", "unit__path")
            .filter(user_id=user.pk)
            .first()
        )
        ref = LearnerRef.of(profile) if profile is not None else _NOT_A_LEARNER
        cache.set(key, ref, USER_FRAGMENT_SECONDS)
    return None if ref == _NOT_A_LEARNER else ref


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(message: str, status: int) -> JsonResponse:
    return _json({"error": message}, status=status)


def learner_lesson_view(view):
    """Refuses, as JSON, anyone but a learner who may read the lesson."""

    @wraps(view)
    def wrapper(request, lesson_id: int):
        user = request.user
        if not user.is_authenticated:
            return _error(_("请先登录，学习进度才能记录。"), 403)
        learner = learner_ref_for_user(user)
        if learner is None:
            return _error(_("只有学员才能记录学习进度。"), 403)
        try:
            # With the request, so a view restriction on the lesson applies.
            lesson = lesson_ref_for_reader(lesson_id=lesson_id, request=request)
        except LessonNotTrackable:
            return _error(_("课程不存在或您无权学习"), 404)
        return view(request, learner=learner, lesson=lesson)

    return wrapper


def _payload(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST


class BadInput(ValueError):
    pass


def _seconds(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or value in (None, ""):
        raise BadInput(_("播放位置和视频时长必须是数字（秒）。"))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInput(_("播放位置和视频时长必须是数字（秒）。")) from None
    if not math.isfinite(number):
        raise BadInput(_("播放位置和视频时长必须是数字（秒）。"))
    if number < 0:
        raise BadInput(_("播放位置和视频时长不能是负数。"))
    return int(number)


def _video_index(data: dict) -> int:
    """Which of the lesson's videos (0 for the first, and when not given)."""
    value = data.get("video")
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not str(value).isdigit():
        raise BadInput(_("视频编号必须是不小于 0 的整数。"))
    return int(value)


def _hours_text(hours: Decimal) -> str:
    return format(hours.normalize(), "f")


def _credited_hours(*, learner: LearnerRef, lesson: LessonRef) -> Decimal:
    # The ledger line `lesson_complete_record` writes for this lesson.
    hours = (
        HourCredit.objects.filter(learner_id=learner.id, key=f"lesson:L{lesson.id}")
        .values_list("hours", flat=True)
        .first()
    )
    return hours or Decimal(0)


def _percent(*, lesson: LessonRef, status: LessonStatus) -> int:
    """How far the reader is towards the lesson's completion rule."""
    if status.completed_at is not None or status.rule_met:
        return 100
    if lesson.rule == CompletionRule.TIME:
        return min(99, status.seconds * 100 // max(status.needed_seconds, 1))
    if lesson.rule == CompletionRule.VIDEO:
        return min(99, status.video_percent * 100 // max(lesson.video_percent, 1))
    return 0


def _status_json(*, learner: LearnerRef, lesson: LessonRef, status) -> dict:
    completed = status.completed_at is not None
    hours = _credited_hours(learner=learner, lesson=lesson) if completed else 0
    return {
        "lesson": lesson.id,
        "rule": lesson.rule,
        "seconds": status.seconds,
        "needed_seconds": status.needed_seconds,
        "minutes": status.seconds // 60,
        "needed_minutes": -(-status.needed_seconds // 60),
        "video_percent": status.video_percent,
        "video_needed_percent": lesson.video_percent,
        "video_resume_at": status.video_resume_at,
        "video_resume": status.video_resume,
        "presence_minutes": policy_for_unit_path(learner.unit_path).presence_minutes,
        "quiz_passed": status.quiz_passed,
        "rule_met": status.rule_met,
        "percent": _percent(lesson=lesson, status=status),
        "completed": completed,
        "completed_at": status.completed_at.isoformat() if completed else None,
        "hours": _hours_text(Decimal(hours)),
    }


@require_GET
@learner_lesson_view
def lesson_progress(request, *, learner: LearnerRef, lesson: LessonRef):
    status = lesson_status(learner=learner, lesson=lesson)
    return _json(_status_json(learner=learner, lesson=lesson, status=status))


@require_POST
@csrf_protect
@learner_lesson_view
def lesson_progress_presence(request, *, learner: LearnerRef, lesson: LessonRef):
    """“继续学习” clicked in the presence check: the next beats count again."""
    lesson_presence_record(learner=learner, lesson=lesson)
    status = lesson_status(learner=learner, lesson=lesson)
    return _json(_status_json(learner=learner, lesson=lesson, status=status))


@require_POST
@csrf_protect
@learner_lesson_view
def lesson_progress_open(request, *, learner: LearnerRef, lesson: LessonRef):
    """Once per page view; answers with the status, so the panel shows at once.
    A lesson whose rule is "opened" is complete (and credited) from here."""
    lesson_opened_record(learner=learner, lesson=lesson)
    status = lesson_status(learner=learner, lesson=lesson)
    return _json(_status_json(learner=learner, lesson=lesson, status=status))


@require_POST
@csrf_protect
@learner_lesson_view
def lesson_progress_beat(request, *, learner: LearnerRef, lesson: LessonRef):
    """The hot path: two INSERTs, no read, and nothing to answer."""
    lesson_heartbeat_record(learner=learner, lesson=lesson)
    return _json({"ok": True})


@require_POST
@csrf_protect
@learner_lesson_view
def lesson_progress_video(request, *, learner: LearnerRef, lesson: LessonRef):
    data = _payload(request)
    try:
        position = _seconds(data, "position")
        duration = _seconds(data, "duration")
        if duration <= 0 or duration > VIDEO_MAX_SECONDS:
            raise BadInput(_("视频时长无效。"))
        if position > duration:
            raise BadInput(_("播放位置超出了视频时长。"))
        video = _video_index(data)
    except BadInput as error:
        return _error(str(error), 400)
    try:
        lesson_video_record(
            learner=learner,
            lesson=lesson,
            position=position,
            duration=duration,
            video=video,
        )
    except UnknownVideo:
        return _error(_("本课没有这个视频。"), 400)
    return _json({"ok": True})


@require_POST
@csrf_protect
@learner_lesson_view
def lesson_progress_complete(request, *, learner: LearnerRef, lesson: LessonRef):
    """Credits the lesson if the server's facts meet its rule; else 409 and
    where the reader stands. Posting it again credits nothing more."""
    status = lesson_complete_record(learner=learner, lesson=lesson)
    data = _status_json(learner=learner, lesson=lesson, status=status)
    if status.completed_at is None:
        data["error"] = _("尚未达到本课的完成条件。")
        return _json(data, status=409)
    return _json(data)
