"""Chinese text made searchable by a word-splitting full-text engine.

SQLite's FTS5 and PostgreSQL's tsvector split words on spaces and punctuation;
Chinese has neither, so a whole sentence would be one "word" and 美沙酮 would
never be found inside it. Every run of CJK characters is indexed as its
overlapping character pairs (bigrams), as Lucene's CJK analyser does; a query
is turned into the bigrams of its CJK runs, all required. A text containing the
query as a substring contains all of its bigrams, so nothing that contains the
query is missed, whatever the word boundaries, and no dictionary is needed.
Latin words and numbers are indexed as they are (lower case), so mixed queries
such as "MDMA 危害" work.
"""

import re
import unicodedata

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"[0-9a-z]+")
MAX_QUERY_CHARS = 100


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits (ＭＤＭＡ，１２３) into ASCII.
    return unicodedata.normalize("NFKC", text).lower()


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def searchable_tokens(text: str) -> str:
    """The text as space-separated tokens for the full-text index."""
    text = _normalise(text)
    tokens: list[str] = []
    for run in CJK_RUN.findall(text):
        tokens.extend(_bigrams(run))
    tokens.extend(LATIN_WORD.findall(CJK_RUN.sub(" ", text)))
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The terms a query requires, in order, without repeats. Empty when the
    query holds nothing searchable (only punctuation, say)."""
    query = _normalise(query[:MAX_QUERY_CHARS])
    terms: list[str] = []
    for piece in re.split(r"(\s+)", query):
        for run in CJK_RUN.findall(piece):
            terms.extend(_bigrams(run))
        terms.extend(LATIN_WORD.findall(CJK_RUN.sub(" ", piece)))
    seen: set[str] = set()
    return [t for t in terms if not (t in seen or seen.add(t))]


def query_phrases(query: str) -> list[str]:
    """The pieces of the query to highlight: its CJK runs and Latin words."""
    query = _normalise(query[:MAX_QUERY_CHARS])
    phrases = CJK_RUN.findall(query) + LATIN_WORD.findall(CJK_RUN.sub(" ", query))
    return sorted(set(phrases), key=lambda p: (-len(p), p))
