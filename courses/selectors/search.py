"""Search over lessons, textbook sections, chapters and courses."""

import html
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Value,
    Window,
)
from django.db.models.functions import Cast
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Page

from courses.cache import pages_plain_text
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


class _FoldTable(dict):
    """Code point → its folded character, for `str.translate`; each character is
    worked out once, the first time it is met."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch).lower()
        self[code] = folded if len(folded) == 1 else ch.lower()[:1] or ch
        return self[code]


_FOLD_TABLE = _FoldTable()


def _fold(text: str) -> str:
    """Case and width folded one character for one, so that positions found in
    the folded text are positions in the original (shown with its own 全角
    punctuation)."""
    return text.translate(_FOLD_TABLE)


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


class _CountedPaginator(Paginator):
    """A paginator told the number of results rather than asking for it."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _sqlite_ranked_page(results, per_page: int, page_number) -> PaginatorPage | None:
    """The page of matching ids in the order SQLite's backend ranks them (BM25,
    then newest first), and their count, from one full-text match.

    The backend ranks by attaching the score to each candidate page through a
    correlated subquery that runs the full-text match again, once per page: a
    word found in 4,000 lessons costs seconds. Here one match gives the scores,
    SQLite sorts the ids by them, and the ids alone come back (read from the
    cursor, without building a row object for each): their number is the count,
    and the page is a slice of them. The pages the search may show (live,
    public, of the kinds asked for) are a subquery the match is narrowed by.
    None where the backend is not SQLite's.
    """
    if connection.vendor != "sqlite":
        return None
    from modelsearch.backends.database.sqlite.query import (
        BM25,
        MatchExpression,
        normalize,
    )
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteFTSIndexEntry,
        SQLiteSearchResults,
        get_descendants_content_types_pks,
    )
    from modelsearch.query import PlainText

    if not isinstance(results, SQLiteSearchResults):
        return None
    compiler = results.query_compiler
    query = normalize(compiler.query)
    if not isinstance(query, PlainText):
        return None
    config = compiler.get_config(results.backend)
    # The backend's score for plain text is the sum over the fields of BM25 times
    # the field's boost: BM25 times the sum of the boosts, worked out once.
    boosts = [boost for _vector, boost in compiler.get_search_vectors()]
    weight = boosts[0] if hasattr(boosts[0], "resolve_expression") else Value(boosts[0])
    for boost in boosts[1:]:
        weight = weight + boost
    # The index keeps object ids as text: the pages' ids are compared as text.
    shown = compiler.queryset.annotate(_key_=Cast("pk", CharField())).values("_key_")
    ranked = (
        SQLiteFTSIndexEntry.objects.filter(
            MatchExpression(
                compiler.fields or compiler.FTS_TABLE_FIELDS,
                compiler.build_search_query(query, config=config),
            ),
            index_entry__content_type__in=get_descendants_content_types_pks(
                compiler.queryset.model
            ),
            index_entry__object_id__in=shown,
        )
        .annotate(
            _pk_=Cast("index_entry__object_id", IntegerField()),
            _score_=ExpressionWrapper(BM25() * weight, output_field=FloatField()),
        )
        .order_by("_score_", "-_pk_")
        .values_list("_pk_")
    )
    sql, params = ranked.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    return Paginator(ids, per_page).get_page(page_number)


class _RankedIds:
    """The ranked page ids for `Paginator`, fetched one page at a time by a query
    that also counts all the matches (a window count over the same scan)."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.count: int | None = None
        self._fetched: dict[int, list[int]] = {}

    def fetch(self, start: int, stop: int) -> list[int]:
        if start not in self._fetched:
            rows = list(self.queryset[start:stop])
            if rows:
                self.count = rows[0][1]
            self._fetched[start] = [pk for pk, _ in rows]
        return self._fetched[start]

    def __getitem__(self, bounds: slice) -> list[int]:
        return self.fetch(bounds.start or 0, bounds.stop)


def _postgres_ranked_page(results, per_page: int, page_number) -> PaginatorPage | None:
    """The page of matching ids in the order PostgreSQL's backend ranks them
    (`ts_rank`, then newest first), and their count, from one query.

    The backend pages its results with a query that selects every column of
    every page and counts them with a second one that matches again; here the
    same rank expression gives the page's ids and, through a window count, the
    number of matches in one pass.

    The backend matches `(title || body) @@ query`. Here the match is on the body
    alone, through its own GIN index: the pages searched here all index their
    segmented text (`SegmentedSearchMixin.search_tokens`, a body field), which
    holds the title's tokens too, and the query's terms are such tokens, so the
    title finds nothing the body does not. The same matches, then, without
    concatenating two vectors for every candidate row, which for a word found in
    most lessons cost more than all the rest. None where the backend is not
    PostgreSQL's.
    """
    if connection.vendor != "postgresql":
        return None
    from modelsearch.backends.database.postgres.postgres import (
        PostgresSearchResults,
    )
    from modelsearch.query import PlainText

    if not isinstance(results, PostgresSearchResults):
        return None
    compiler = results.query_compiler
    if not isinstance(compiler.query, PlainText) or compiler.fields is not None:
        return None
    config = compiler.get_config(results.backend)
    search_query = compiler.build_tsquery(compiler.query, config=config)
    vectors = compiler.get_search_vectors(search_query)
    matches = compiler.queryset.annotate(_vector_=F("index_entries__body")).filter(
        _vector_=search_query
    )
    ranked = _RankedIds(
        matches.annotate(
            _rank_=compiler._build_rank_expression(vectors, config),
            _total_=Window(Count("pk")),
        )
        .order_by(F("_rank_").desc(), "-pk")
        .values_list("pk", "_total_")
    )
    return _ranked_page(ranked, matches.count, per_page, page_number)


def _ranked_page(
    ranked: _RankedIds, count: Callable[[], int], per_page: int, page_number
) -> PaginatorPage:
    """The paginator's page of `ranked`. The count comes with the first page
    fetched; a page number past the end (or not a number) is only known as such
    once the count is known, which then costs a query of its own (`count`)."""
    try:
        number = int(page_number or 1)
    except (TypeError, ValueError):
        number = 1
    if number >= 1:
        ranked.fetch((number - 1) * per_page, number * per_page)
    if ranked.count is None:
        ranked.count = count()
    return _CountedPaginator(ranked, per_page, count=ranked.count).get_page(page_number)


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
    pages = Page.objects.live().public().type(*types)
    search_query = " ".join(terms)
    results = pages.search(search_query, operator="and")
    page = _sqlite_ranked_page(results, per_page, page_number)
    if page is None:
        page = _postgres_ranked_page(results, per_page, page_number)
    if page is not None:
        ids = list(page.object_list)
    else:
        # Counting the ranked results would rank every match again inside the
        # count; the same matches, unranked, are counted in one plain query.
        unranked = pages.search(search_query, operator="and", order_by_relevance=False)
        page = _CountedPaginator(results, per_page, count=unranked.count()).get_page(
            page_number
        )
        ids = [p.pk for p in page.object_list]
    # The pages are read whole, bodies included: a snippet whose text is not in
    # the cache yet is made from them without reading them again. Lessons only
    # are read from their own table at once.
    found = LessonPage.objects if kind == "lesson" else Page.objects.specific()
    specific = {p.pk: p for p in found.filter(pk__in=ids)}
    texts = pages_plain_text(list(specific.values()))
    phrases = query_phrases(query)
    hits = [
        SearchHit(
            page=specific[pk],
            snippet=_snippet(texts.get(pk, ""), phrases, terms),
        )
        for pk in ids
        if pk in specific
    ]
    return SearchOutcome(terms=terms, page=page, hits=hits)
