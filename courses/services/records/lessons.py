"""Lesson events from the reader's browser: opened, time on task, video, complete.

What the write path needs to know of a lesson (is it live, its hours and its
completion rule) is read once per published version and cached, so a heartbeat
costs the two statements of `fact_record` and nothing else.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone
from wagtail.models import PageViewRestriction

from courses.cache import content_version
from courses.models import (
    CoursePage,
    CreditReason,
    FactKind,
    LearningFact,
    LessonPage,
)
from courses.models.pages import CompletionRule

from .facts import LearnerRef, fact_credit_record, fact_record
from .policy import policy_for_unit_path

# A heartbeat is sent every 30 s while the page is visible and the reader active;
# time is counted in whole minutes of the server's clock, one per minute that had
# at least one heartbeat, so two tabs or a retried request count once.
BEAT_SECONDS = 60
# Video progress is counted in 10-second segments actually played: seeking to
# the end does not make a video watched.
VIDEO_SEGMENT_SECONDS = 10


class LessonNotTrackable(Exception):
    """The lesson does not exist, is not published, or the reader may not see it."""


@dataclass(frozen=True)
class LessonRef:
    id: int
    title: str
    path: str
    class_hours: Decimal
    minutes: int
    rule: str
    completion_minutes: int | None
    video_percent: int
    quiz_codes: tuple[str, ...]
    restricted: bool
    course_id: int | None = None
    is_required: bool = True
    # Video blocks in the body, in page order; each is reported by its index.
    videos: int = 0

    def needed_seconds(self) -> int:
        minutes = self.completion_minutes or max(1, (self.minutes + 1) // 2)
        return minutes * 60


def _course_paths() -> dict[str, int]:
    return dict(CoursePage.objects.live().values_list("path", "id"))


def _lesson_ref_build(lesson: LessonPage, course_paths: dict[str, int]) -> LessonRef:
    course_id = None
    for depth in range(len(lesson.path) - lesson.steplen, 0, -lesson.steplen):
        course_id = course_paths.get(lesson.path[:depth])
        if course_id:
            break
    quiz_codes = tuple(
        block.value.get("quiz_code", "").strip()
        for block in lesson.body
        if block.block_type == "quiz" and block.value.get("quiz_code")
    )
    return LessonRef(
        id=lesson.pk,
        title=lesson.title,
        path=lesson.path,
        class_hours=lesson.class_hours,
        minutes=lesson.minutes,
        rule=lesson.completion_rule,
        completion_minutes=lesson.completion_minutes,
        video_percent=lesson.completion_video_percent or 90,
        quiz_codes=quiz_codes,
        restricted=PageViewRestriction.objects.filter(
            page__in=lesson.get_ancestors(inclusive=True)
        ).exists(),
        course_id=course_id,
        is_required=lesson.is_required,
        videos=sum(1 for block in lesson.body if block.block_type == "video"),
    )


def lesson_refs(ids) -> dict[int, LessonRef]:
    """Live lessons by id, from the cache where it has them."""
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    version = content_version()
    keys = {f"records:lesson:{version}:{pk}": pk for pk in ids}
    found = cache.get_many(list(keys))
    refs = {keys[k]: ref for k, ref in found.items() if ref != "missing"}
    missing = ids - {keys[k] for k in found}
    if missing:
        course_paths = _course_paths()
        built = {}
        for lesson in LessonPage.objects.live().filter(pk__in=missing):
            built[lesson.pk] = _lesson_ref_build(lesson, course_paths)
        cache.set_many(
            {
                f"records:lesson:{version}:{pk}": built.get(pk, "missing")
                for pk in missing
            },
            timeout=24 * 3600,
        )
        refs.update(built)
    return refs


def lesson_ref_for_reader(*, lesson_id: int, request=None) -> LessonRef:
    ref = lesson_refs([lesson_id]).get(int(lesson_id))
    if ref is None:
        raise LessonNotTrackable
    if ref.restricted and request is not None:
        # Rare: only lessons inside a restricted section pay for the check.
        page = LessonPage.objects.get(pk=ref.id)
        for restriction in page.get_view_restrictions():
            if not restriction.accept_request(request):
                raise LessonNotTrackable
    return ref


def lesson_opened_record(*, learner: LearnerRef, lesson: LessonRef, now=None) -> None:
    now = now or timezone.now()
    if lesson.rule == CompletionRule.OPENED:
        lesson_complete_record(learner=learner, lesson=lesson, now=now, checked=True)
        return
    fact_record(
        learner=learner,
        kind=FactKind.LESSON_OPENED,
        key=f"open:L{lesson.id}",
        occurred_at=now,
        lesson_id=lesson.id,
        title=lesson.title,
    )
    # Opening the page is a sign the reader is there, every time.
    lesson_presence_record(learner=learner, lesson=lesson, now=now)


def lesson_presence_record(*, learner: LearnerRef, lesson: LessonRef, now=None) -> None:
    """The reader showed they are there ("继续学习" clicked, or the page opened):
    with a presence check in the bureau's policy, the beats of the next minutes
    count again. Once a minute, like beats."""
    now = now or timezone.now()
    fact_record(
        learner=learner,
        kind=FactKind.PRESENCE,
        key=f"here:L{lesson.id}:{int(now.timestamp()) // BEAT_SECONDS}",
        occurred_at=now,
        lesson_id=lesson.id,
    )


def _beats_present(beats: list[datetime], signs: list[datetime], minutes: int) -> int:
    """How many beats fall within `minutes` after a sign of presence."""
    if not minutes:
        return len(beats)
    signs = sorted(signs)
    window = timedelta(minutes=minutes)
    counted = 0
    for at in beats:
        # The last sign at or before the beat (a beat's minute may begin a few
        # seconds before the click that shares it).
        index = bisect_right(signs, at + timedelta(seconds=BEAT_SECONDS)) - 1
        if index >= 0 and at - signs[index] <= window:
            counted += 1
    return counted


def lesson_heartbeat_record(
    *, learner: LearnerRef, lesson: LessonRef, now=None
) -> None:
    now = now or timezone.now()
    minute = int(now.timestamp()) // BEAT_SECONDS
    fact_record(
        learner=learner,
        kind=FactKind.TIME_ON_TASK,
        key=f"beat:L{lesson.id}:{minute}",
        occurred_at=now,
        lesson_id=lesson.id,
        seconds=BEAT_SECONDS,
    )


def video_fact_key(lesson_id: int, video: int, segment: int) -> str:
    """`video:L12:5` for the lesson's first video (as before there were more),
    `video:L12:v1:5` for the second."""
    if video == 0:
        return f"video:L{lesson_id}:{segment}"
    return f"video:L{lesson_id}:v{video}:{segment}"


def _video_of_key(key: str) -> int:
    parts = key.split(":")
    return int(parts[2][1:]) if len(parts) == 4 else 0


class UnknownVideo(ValueError):
    """The lesson has no video with that number."""


def lesson_video_record(
    *,
    learner: LearnerRef,
    lesson: LessonRef,
    position: int,
    duration: int,
    video: int = 0,
    now=None,
) -> None:
    if duration <= 0 or position < 0 or position > duration + VIDEO_SEGMENT_SECONDS:
        raise ValueError("position outside the video")
    if not 0 <= video < max(lesson.videos, 1):
        raise UnknownVideo(video)
    # The end of the video (position == duration, as "ended" reports it) lies in
    # its last segment, not in one past it that would count as extra watching.
    segment = min(position, duration - 1) // VIDEO_SEGMENT_SECONDS
    fact_record(
        learner=learner,
        kind=FactKind.VIDEO,
        key=video_fact_key(lesson.id, video, segment),
        occurred_at=now or timezone.now(),
        lesson_id=lesson.id,
        seconds=segment * VIDEO_SEGMENT_SECONDS,
        value=Decimal(duration),
    )


@dataclass
class LessonStatus:
    opened_at: datetime | None = None
    last_seen_at: datetime | None = None
    seconds: int = 0
    video_percent: int = 0
    video_resume_at: int = 0
    # Where each video resumes, by its index in the page.
    video_resume: list[int] = field(default_factory=list)
    completed_at: datetime | None = None
    quiz_passed: bool = False
    rule_met: bool = False
    needed_seconds: int = 0


def lesson_status_from_facts(
    *, lesson: LessonRef, facts: list[dict], passed_quiz_codes: set[str], unit_path: str
) -> LessonStatus:
    """Where a learner stands on one lesson, from their facts about it."""
    status = LessonStatus(needed_seconds=lesson.needed_seconds())
    beats: list[datetime] = []
    signs: list[datetime] = []  # the reader was there: opened, clicked, played
    segments: dict[int, set[int]] = defaultdict(set)
    durations: dict[int, int] = defaultdict(int)
    for fact in facts:
        kind, at = fact["kind"], fact["occurred_at"]
        status.opened_at = min(filter(None, [status.opened_at, at]))
        status.last_seen_at = max(filter(None, [status.last_seen_at, at]))
        if kind == FactKind.TIME_ON_TASK:
            beats.append(at)
        elif kind in (FactKind.PRESENCE, FactKind.LESSON_OPENED):
            signs.append(at)
        elif kind == FactKind.VIDEO:
            signs.append(at)
            video = _video_of_key(fact.get("key") or "")
            segments[video].add(fact["seconds"] // VIDEO_SEGMENT_SECONDS)
            durations[video] = max(durations[video], int(fact["value"] or 0))
        elif kind == FactKind.LESSON_COMPLETED:
            status.completed_at = at
    policy = policy_for_unit_path(unit_path)
    cap = int(lesson.minutes * 60 * policy.time_cap_ratio)
    counted = _beats_present(beats, signs, policy.presence_minutes)
    status.seconds = min(counted * BEAT_SECONDS, max(cap, BEAT_SECONDS))
    # Every video of the lesson weighs the same; one never played counts 0%.
    count = max(lesson.videos, max(durations, default=-1) + 1)
    percents = []
    for video in range(count):
        duration, played = durations.get(video, 0), segments.get(video, set())
        if not duration:
            percents.append(0)
            status.video_resume.append(0)
            continue
        total = -(-duration // VIDEO_SEGMENT_SECONDS)
        percents.append(min(100, len(played) * 100 // total))
        gap = 0
        while gap in played:
            gap += 1
        status.video_resume.append(min(gap * VIDEO_SEGMENT_SECONDS, duration))
    if percents:
        status.video_percent = sum(percents) // len(percents)
        status.video_resume_at = status.video_resume[0]
    status.quiz_passed = bool(set(lesson.quiz_codes) & passed_quiz_codes)
    status.rule_met = {
        CompletionRule.OPENED: status.opened_at is not None,
        CompletionRule.TIME: status.seconds >= status.needed_seconds,
        CompletionRule.VIDEO: status.video_percent >= lesson.video_percent,
        CompletionRule.QUIZ: status.quiz_passed,
    }.get(lesson.rule, False)
    return status


def passed_quiz_codes(*, learner_id: int, codes=None) -> set[str]:
    """The quizzes the learner has a standing pass of (a re-mark can revoke one)."""
    from .exams import standing_passes

    facts = LearningFact.objects.filter(
        learner_id=learner_id, kind__in=[FactKind.QUIZ_PASSED, FactKind.QUIZ_REVOKED]
    )
    if codes is not None:
        facts = facts.filter(quiz_code__in=list(codes))
    return {
        f["quiz_code"]
        for f in standing_passes(facts.values("id", "kind", "key", "quiz_code"))
    }


def lesson_status(*, learner: LearnerRef, lesson: LessonRef) -> LessonStatus:
    facts = list(
        LearningFact.objects.filter(learner_id=learner.id, lesson_id=lesson.id).values(
            "kind", "key", "occurred_at", "seconds", "value"
        )
    )
    codes = passed_quiz_codes(learner_id=learner.id) if lesson.quiz_codes else set()
    return lesson_status_from_facts(
        lesson=lesson, facts=facts, passed_quiz_codes=codes, unit_path=learner.unit_path
    )


def lesson_complete_record(
    *,
    learner: LearnerRef,
    lesson: LessonRef,
    now=None,
    checked: bool = False,
    mark_stale: bool = True,
) -> LessonStatus:
    """Mark the lesson complete if its rule is met, crediting its hours once.

    The reader's browser asks when it believes the rule is met; the server checks
    against its own facts. Returns the status either way.
    """
    now = now or timezone.now()
    status = (
        LessonStatus(rule_met=True)
        if checked
        else lesson_status(learner=learner, lesson=lesson)
    )
    if status.rule_met and status.completed_at is None:
        fact, _credit, _created = fact_credit_record(
            learner=learner,
            kind=FactKind.LESSON_COMPLETED,
            key=f"done:L{lesson.id}",
            credit_key=f"lesson:L{lesson.id}",
            credit_reason=CreditReason.LESSON,
            hours=lesson.class_hours if lesson.class_hours > 0 else None,
            title=lesson.title,
            occurred_at=now,
            lesson_id=lesson.id,
            mark_stale=mark_stale,
        )
        status.completed_at = fact.occurred_at
    return status
