"""Writing a checked lesson sheet into the resource bank, in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from courses.models import LessonPage, Programme, ResourceBankPage
from courses.models.pages import CompletionRule
from courses.services.lessons.check import LessonPlan, Plan, _check, _context_load
from courses.services.lessons.search_index import lessons_search_index_deferred
from courses.services.lessons.types import (
    CODE,
    LessonError,
    LessonImportSummary,
    LessonSheet,
    LessonsInvalid,
)
from courses.services.pages import page_publish_if_changed

QUERY_CHUNK_SIZE = 500


class _DryRun(Exception):
    """Unwinds the dry run's transaction once the counts are known."""


def _body_merged(page: LessonPage, html: str) -> list[dict]:
    """The sheet's text as the lesson's first block; blocks added in the admin
    after it (video, attachments, quiz…) are kept."""
    raw = [dict(block) for block in page.body.raw_data]
    text = {"type": "rich_text", "value": html}
    if raw and raw[0].get("type") == "rich_text":
        if raw[0].get("id"):
            text["id"] = raw[0]["id"]
        raw = raw[1:]
    return [text, *raw]


def _existing_pages(plan: Plan) -> dict[int, LessonPage]:
    pks = [lesson.existing_pk for lesson in plan.lessons if lesson.existing_pk]
    pages: dict[int, LessonPage] = {}
    for start in range(0, len(pks), QUERY_CHUNK_SIZE):
        chunk = pks[start : start + QUERY_CHUNK_SIZE]
        pages.update(
            (page.pk, page)
            for page in LessonPage.objects.filter(pk__in=chunk).prefetch_related(
                "topics"
            )
        )
    return pages


def _programme_ids(plan: Plan) -> dict[str, int]:
    Programme.objects.bulk_create(
        [Programme(code=code, name=name) for code, name in plan.new_programmes.items()]
    )
    return dict(Programme.objects.values_list("code", "pk"))


def _lesson_write(
    *,
    bank: ResourceBankPage,
    lesson: LessonPlan,
    page: LessonPage | None,
    programme_ids: dict[str, int],
) -> tuple[str, LessonPage]:
    """Create or update one lesson; ("created" | "updated" | "unchanged", page)."""
    fields = {
        "title": lesson.title,
        "summary": lesson.summary,
        "format": lesson.format,
        "class_hours": lesson.class_hours,
        "minutes": lesson.minutes,
        "programme_id": (
            programme_ids[lesson.programme_code] if lesson.programme_code else None
        ),
    }
    is_new = page is None
    if is_new:
        page = LessonPage(
            code=lesson.row.code,
            slug=lesson.slug,
            completion_rule=CompletionRule.TIME,
            **fields,
        )
        if lesson.body is not None:
            page.body = [{"type": "rich_text", "value": lesson.body}]
        # Through treebeard, which locks the bank's row and appends the page.
        bank.add_child(instance=page)
    elif lesson.body is not None:
        fields["body"] = _body_merged(page, lesson.body)
    had_draft = not is_new and page.has_unpublished_changes
    changed = page_publish_if_changed(
        page,
        fields,
        is_new=is_new,
        topics=lesson.topics,
        position_ids=lesson.position_ids,
    )
    if is_new:
        return "created", page
    if changed and had_draft:
        return "draft_conflict", page
    return ("updated" if changed else "unchanged"), page


def _draft_conflict(lesson: LessonPlan) -> LessonError:
    return LessonError(
        lesson.row.row,
        CODE,
        f"编码为“{lesson.row.code}”的课在后台有尚未发布的修改（草稿或正在审核），"
        "导入本行会覆盖这些修改。请先在后台发布或删除该草稿，再重新导入。",
    )


def lessons_apply(
    *,
    bank: ResourceBankPage,
    sheet: LessonSheet,
    dry_run: bool = False,
    allow_new_topics: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> LessonImportSummary:
    """Create or update the sheet's lessons under the bank; all of them or none.

    Every row is checked first: any error raises LessonsInvalid with all of
    them and nothing is written. Lessons are found by code; a lesson whose row
    is identical to what is published gets no new revision, so importing the
    same file twice changes nothing. A row that would change a lesson with an
    unpublished draft (being edited or in review) is refused, so an import never
    buries an editor's work. Lessons missing from the sheet are left alone.
    `dry_run` does all the work and rolls it back, so its counts are exactly
    what a real run would do.
    """
    summary = LessonImportSummary(dry_run=dry_run)
    try:
        with transaction.atomic():
            bank = ResourceBankPage.objects.get(pk=bank.pk)
            errors, plan = _check(
                sheet=sheet,
                ctx=_context_load(bank=bank),
                allow_new_topics=allow_new_topics,
            )
            if errors:
                raise LessonsInvalid(errors)
            programme_ids = _programme_ids(plan)
            pages = _existing_pages(plan)
            total = len(plan.lessons)
            written, conflicts = [], []
            # Wagtail refreshes a page's search and reference index entries on
            # every save, and a new lesson is saved three times (added,
            # revision, published): once per lesson, at the end, is enough.
            with (
                lessons_search_index_deferred(),
                disable_reference_index_auto_update(),
            ):
                for done, lesson in enumerate(plan.lessons, 1):
                    outcome, page = _lesson_write(
                        bank=bank,
                        lesson=lesson,
                        page=pages.get(lesson.existing_pk or 0),
                        programme_ids=programme_ids,
                    )
                    if outcome == "draft_conflict":
                        # Found only by comparing, so while writing: the whole
                        # transaction is rolled back below, nothing is kept.
                        conflicts.append(_draft_conflict(lesson))
                        outcome = "updated"
                    setattr(summary, outcome, getattr(summary, outcome) + 1)
                    if outcome != "unchanged":
                        written.append(page)
                    if progress is not None:
                        progress(done, total)
            if conflicts:
                raise LessonsInvalid(conflicts)
            for page in written:
                ReferenceIndex.create_or_update_for_object(page)
            summary.programmes_created = sorted(plan.new_programmes.values())
            summary.topics_created = plan.new_topics
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary
