"""Indexing imported lessons for search once, in bulk, instead of on every save.

The search index listens to every save of a page, and a new lesson is saved three
times (added, revision saved, published). On SQLite each index write also
recomputes a statistic over the whole index table, so importing 4,453 lessons
one save at a time grows with the square of the bank. Within
`lessons_search_index_deferred`, saves of lessons made by this thread are only
noted; the block then indexes those lessons in one bulk write, in the same
transaction. Saves made by other threads meanwhile are indexed as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.local import Local
from django.db.models.signals import post_save
from wagtail.search.backends import get_search_backends
from wagtail.search.signal_handlers import post_save_signal_handler

from courses.models import LessonPage

INDEX_CHUNK_SIZE = 500

_deferred = Local()
_swap_lock = threading.Lock()
_swap_users = 0
_swapped = False  # whether the search index's receiver was there to replace


def _lesson_saved(sender, instance, **kwargs) -> None:
    pending = getattr(_deferred, "pks", None)
    if pending is not None and not kwargs.get("raw", False):
        pending.add(instance.pk)
    elif _swapped:
        post_save_signal_handler(instance, **kwargs)


def _relay_connect() -> None:
    """Put the relay in place of the search index's receiver for lessons (the
    relay is connected first, so no save in between goes unindexed)."""
    global _swap_users, _swapped
    with _swap_lock:
        if _swap_users == 0:
            post_save.connect(_lesson_saved, sender=LessonPage)
            _swapped = post_save.disconnect(post_save_signal_handler, sender=LessonPage)
        _swap_users += 1


def _relay_disconnect() -> None:
    global _swap_users
    with _swap_lock:
        _swap_users -= 1
        if _swap_users == 0:
            if _swapped:
                post_save.connect(post_save_signal_handler, sender=LessonPage)
            post_save.disconnect(_lesson_saved, sender=LessonPage)


def lessons_search_index(pks: set[int] | list[int]) -> None:
    """Write the search index entries of these lessons, in bulk."""
    pks = sorted(pks)
    backends = list(get_search_backends(with_auto_update=True))  # a generator
    for start in range(0, len(pks), INDEX_CHUNK_SIZE):
        chunk = pks[start : start + INDEX_CHUNK_SIZE]
        lessons = list(LessonPage.get_indexed_objects().filter(pk__in=chunk))
        for backend in backends:
            backend.add_bulk(LessonPage, lessons)


@contextmanager
def lessons_search_index_deferred() -> Iterator[None]:
    if getattr(_deferred, "pks", None) is not None:
        yield  # nested: the outer block indexes
        return
    _relay_connect()
    _deferred.pks = set()
    try:
        yield
        pks = _deferred.pks
        del _deferred.pks
        if _swapped:  # lessons are indexed on save in this project
            lessons_search_index(pks)
    finally:
        if getattr(_deferred, "pks", None) is not None:
            del _deferred.pks
        _relay_disconnect()
