"""Reads over lessons: the resource bank's filters and facet counts.

Each facet is one grouped query over the filtered set, so browsing stays fast at
4,453 lessons (and pagination reads only the page shown)."""

from dataclasses import dataclass

from django.db.models import Count
from django.http import QueryDict
from taggit.models import Tag

from courses.models import LessonPage, LessonTopic, Position, Programme
from courses.models.pages import LessonFormat


@dataclass(frozen=True)
class BankFilters:
    programme: str = ""
    topic: str = ""
    position: int | None = None
    format: str = ""

    @property
    def active(self) -> bool:
        return bool(self.programme or self.topic or self.position or self.format)


def _filters_from(params: QueryDict) -> BankFilters:
    position = params.get("position", "")
    fmt = params.get("format", "")
    return BankFilters(
        programme=params.get("programme", "")[:32],
        topic=params.get("topic", "")[:100],
        position=int(position) if position.isdigit() else None,
        format=fmt if fmt in LessonFormat.values else "",
    )


def lesson_bank_lessons(*, bank):
    return LessonPage.objects.live().child_of(bank)


def _apply(lessons, filters: BankFilters):
    if filters.programme:
        lessons = lessons.filter(programme__code=filters.programme)
    if filters.topic:
        lessons = lessons.filter(tagged_topics__tag__slug=filters.topic)
    if filters.position:
        lessons = lessons.filter(target_positions=filters.position)
    if filters.format:
        lessons = lessons.filter(format=filters.format)
    return lessons


def lesson_bank_filter(*, bank, params: QueryDict):
    """The lessons of the bank matching the request's filters, in bank order."""
    filters = _filters_from(params)
    lessons = (
        _apply(lesson_bank_lessons(bank=bank), filters)
        .select_related("programme")
        .prefetch_related("topics")
        .order_by("code", "path")
    )
    return lessons, filters


def lesson_bank_facets(*, bank, filters: BankFilters) -> dict:
    """Counts for each filter value within the current selection."""
    selected_ids = (
        _apply(lesson_bank_lessons(bank=bank), filters).order_by().values("id")
    )
    programme_counts = dict(
        LessonPage.objects.filter(id__in=selected_ids)
        .order_by()  # Page's default ordering would split the groups
        .values_list("programme_id")
        .annotate(n=Count("id"))
    )
    format_counts = dict(
        LessonPage.objects.filter(id__in=selected_ids)
        .order_by()
        .values_list("format")
        .annotate(n=Count("id"))
    )
    topic_counts = (
        LessonTopic.objects.filter(content_object_id__in=selected_ids)
        .order_by()
        .values("tag_id")
        .annotate(n=Count("id"))
        .order_by("-n", "tag_id")[:30]
    )
    tags = Tag.objects.in_bulk([row["tag_id"] for row in topic_counts])
    position_counts = dict(
        LessonPage.target_positions.through.objects.filter(
            lessonpage_id__in=selected_ids
        )
        .order_by()
        .values_list("position_id")
        .annotate(n=Count("id"))
    )
    return {
        "programmes": [
            (p, programme_counts[p.pk])
            for p in Programme.objects.filter(pk__in=programme_counts)
        ],
        "formats": [
            (value, label, format_counts[value])
            for value, label in LessonFormat.choices
            if value in format_counts
        ],
        "topics": [(tags[row["tag_id"]], row["n"]) for row in topic_counts],
        "positions": [
            (p, position_counts[p.pk])
            for p in Position.objects.filter(pk__in=position_counts)
        ],
    }
