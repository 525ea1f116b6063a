"""Search over lessons, textbook sections, chapters and courses."""

import html
import unicodedata
from dataclasses import dataclass

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Page

from courses.models import ChapterPage, CoursePage, LessonPage
from courses.search_text import query_phrases, query_terms

KINDS = {
    "lesson": (LessonPage,),
    "course": (CoursePage, ChapterPage),
}
SNIPPET_CHARS = 90


@dataclass
class SearchHit:
    page: Page
    snippet: SafeString


@dataclass
class SearchOutcome:
    terms: list[str]
    page: PaginatorPage | None
    hits: list[SearchHit]


def _fold(text: str) -> str:
    """Case and width folded one character for one, so that positions found in
    the folded text are positions in the original (shown with its own 全角
    punctuation)."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch.lower()[:1] or ch)
    return "".join(out)


def _snippet(text: str, phrases: list[str], terms: list[str]) -> SafeString:
    """A window of the text around the first match, matches wrapped in <mark>."""
    folded = _fold(text)
    needles = [p for p in phrases if p in folded] or [t for t in terms if t in folded]
    start = min((folded.find(n) for n in needles), default=0)
    begin = max(0, start - SNIPPET_CHARS // 3)
    end = min(len(text), begin + SNIPPET_CHARS)
    marked = [False] * (end - begin)
    for needle in needles:
        at = folded.find(needle, begin)
        while at != -1 and at < end:
            for i in range(at, min(at + len(needle), end)):
                marked[i - begin] = True
            at = folded.find(needle, at + len(needle))
    pieces, i = [], 0
    window = text[begin:end].replace("\n", " ")
    while i < len(window):
        j = i
        while j < len(window) and marked[j] == marked[i]:
            j += 1
        chunk = html.escape(window[i:j])
        pieces.append(f"<mark>{chunk}</mark>" if marked[i] else chunk)
        i = j
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)


def content_search(
    *,
    query: str,
    kind: str = "",
    page_number: str | int | None = 1,
    per_page: int = 20,
) -> SearchOutcome:
    terms = query_terms(query)
    if not terms:
        return SearchOutcome(terms=[], page=None, hits=[])
    types = KINDS.get(kind) or (LessonPage, CoursePage, ChapterPage)
    results = (
        Page.objects.live()
        .public()
        .type(*types)
        .search(" ".join(terms), operator="and")
    )
    page = Paginator(results, per_page).get_page(page_number)
    ids = [p.pk for p in page.object_list]
    specific = Page.objects.filter(pk__in=ids).specific().in_bulk()
    phrases = query_phrases(query)
    hits = [
        SearchHit(
            page=specific[pk],
            snippet=_snippet(specific[pk].plain_text(), phrases, terms),
        )
        for pk in ids
        if pk in specific
    ]
    return SearchOutcome(terms=terms, page=page, hits=hits)
