"""What the site keeps in Django's cache between requests, and what makes it stale.

Two version tokens, each a random string kept in the cache and replaced by the
signal receivers in `courses.signals`:

- the *content version* changes whenever a page, a site, a quiz a lesson embeds,
  a topic tag or a media file changes. Everything rendered from the page tree
  (the header's navigation links, a lesson's body, breadcrumb and previous/next
  links) is cached under it, so one publish, unpublish, move or delete makes
  all of it stale at once. Publishing is rare next to reading.
- a *user version* per account changes when that user's name, roles, groups or
  permissions change, or when the account is created (so a primary key reused
  by a new account, as happens between tests, never finds the old entry).
  The header's per-user part (the name and the role-dependent links) is cached
  under it and keyed by the user's primary key: one user's entry can never be
  read for another.

A search snippet needs a page's plain text; it is cached under the page's own
`cache_key` (its id, URL path and last published time), so a new published
version is read afresh.

Entries never hold a CSRF token or anything else tied to one browser session.
"""

from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from wagtail.models import Site

CONTENT_VERSION_KEY = "courses:content-version"
# Versions are the invalidation; the lifetime only bounds how long a process
# without a shared cache (see cms/settings/production.py) can lag behind.
FRAGMENT_SECONDS = 60 * 60
# A learner's name can change without a signal (the roster import updates
# profiles in bulk), so what shows it lives ten minutes at most.
USER_FRAGMENT_SECONDS = 10 * 60
PLAIN_TEXT_SECONDS = 7 * 24 * 60 * 60
NAV_SLUGS = ("courses", "resources")


def _version(key: str) -> str:
    version = cache.get(key)
    if version is None:
        version = uuid4().hex
        if not cache.add(key, version, timeout=None):
            version = cache.get(key) or version
    return version


def _version_bump(key: str) -> None:
    # Now, so that this process sees the change at once, and again once the
    # transaction commits: a request that read the old rows while the change was
    # uncommitted may have cached them under the first new token.
    cache.set(key, uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(key, uuid4().hex, timeout=None))


def content_version() -> str:
    return _version(CONTENT_VERSION_KEY)


def content_version_bump() -> None:
    _version_bump(CONTENT_VERSION_KEY)


def _user_version_key(user_pk) -> str:
    return f"courses:user-version:{user_pk}"


def user_version(user_pk) -> str:
    return _version(_user_version_key(user_pk))


def user_version_bump(user_pk) -> None:
    _version_bump(_user_version_key(user_pk))


def site_nav_urls(request) -> dict[str, str | None]:
    """The URLs of the header's section pages (课程, 教育资源库) for the request's
    site, looked up as `{% slugurl %}` does, once per content version."""
    # Imported here: the tag library needs the app registry, which page models
    # (importing this module) are part of.
    from wagtail.templatetags.wagtailcore_tags import slugurl

    site = Site.find_for_request(request)
    key = f"courses:site-nav:{site.pk if site else 0}:{content_version()}"
    urls = cache.get(key)
    if urls is None:
        urls = {slug: slugurl({"request": request}, slug) for slug in NAV_SLUGS}
        cache.set(key, urls, FRAGMENT_SECONDS)
    return urls


def page_render_context(request) -> dict:
    """What base.html and the page templates need to use the caches above: the
    navigation URLs, the tokens the cached fragments vary on, and how long a
    fragment lives (a bound on staleness should a signal ever be missed)."""
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "site_nav": site_nav_urls(request),
        "content_version": content_version(),
        "user_version": user_version(user.pk) if authenticated else "",
        "fragment_seconds": FRAGMENT_SECONDS,
        "user_fragment_seconds": USER_FRAGMENT_SECONDS,
    }


def _plain_text_key(page) -> str:
    return f"courses:plain-text:{page.cache_key}"


def pages_plain_text(pages: list) -> dict[int, str]:
    """`page.plain_text()` by page id, cached for each page's published version.
    `pages` may come with their StreamFields deferred: only those missing from
    the cache are fetched whole, together."""
    keys = {page.pk: _plain_text_key(page) for page in pages}
    cached = cache.get_many(keys.values())
    texts = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [pk for pk in keys if pk not in texts]
    if missing:
        from wagtail.models import Page

        fresh = {
            page.pk: page.plain_text()
            for page in Page.objects.filter(pk__in=missing).specific()
        }
        cache.set_many(
            {keys[pk]: text for pk, text in fresh.items()}, PLAIN_TEXT_SECONDS
        )
        texts.update(fresh)
    return texts
