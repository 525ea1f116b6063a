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

Serving a page also finds its site and its route (a query for the site and one
or two for each level of the path) and its view restrictions (two more): both
are cached under the content version too, for the pages that ask for it
(`page_route_cached`, `CachedRenderMixin.get_view_restrictions`).

A search snippet needs a page's plain text; it is cached under the page's own
`cache_key` (its id, URL path and last published time), so a new published
version is read afresh.

Entries never hold a CSRF token or anything else tied to one browser session.
"""

from hashlib import md5
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import get_template, render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
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


def content_version(request=None) -> str:
    """The content version; read once per request when the request is given
    (serving a page asks for it for the route, the header and the body)."""
    if request is None:
        return _version(CONTENT_VERSION_KEY)
    try:
        return request._courses_content_version
    except AttributeError:
        request._courses_content_version = _version(CONTENT_VERSION_KEY)
        return request._courses_content_version


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
    key = f"courses:site-nav:{site.pk if site else 0}:{content_version(request)}"
    urls = cache.get(key)
    if urls is None:
        urls = {slug: slugurl({"request": request}, slug) for slug in NAV_SLUGS}
        cache.set(key, urls, FRAGMENT_SECONDS)
    return urls


def page_render_context(request) -> dict:
    """What base.html and the page templates need to use the caches above: the
    navigation URLs, the tokens the cached fragments vary on, and how long a
    fragment lives (a bound on staleness should a signal ever be missed). The
    URLs are looked up only if a template asks, which it does only when the
    header's cached fragment is missing."""
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "site_nav": SimpleLazyObject(lambda: site_nav_urls(request)),
        "content_version": content_version(request),
        "user_version": user_version(user.pk) if authenticated else "",
        "fragment_seconds": FRAGMENT_SECONDS,
        "user_fragment_seconds": USER_FRAGMENT_SECONDS,
    }


def _route_key(request, path: str) -> str:
    # The raw host, as Wagtail's site lookup uses it; hashed, since the path may
    # be long and hold any letter (cache backends limit keys).
    where = f"{request._get_raw_host()}|{request.get_port()}|{path}"
    digest = md5(where.encode(), usedforsecurity=False).hexdigest()
    return f"courses:route:{digest}:{content_version(request)}"


def page_route_cached(request, path: str) -> None:
    """Wagtail's `Page.route_for_request`, with its answer kept in the cache for
    the pages that allow it (`cache_route`): the request is given its site and
    route as Wagtail itself caches them on the request, so that Wagtail's serve
    view, its hooks (view restrictions among them) and the page's own `serve`
    then run as they always do.

    Only a plain route to a live page is kept (no extra arguments, as a
    routable page would have): it is the same for every reader, since who may
    see the page is decided after routing. Anything that changes a page or a
    site moves the content version, and with it the key.
    """
    from wagtail.models import Page

    key = _route_key(request, path)
    cached = cache.get(key)
    if cached is not None:
        request._wagtail_site, request._wagtail_route_for_request = cached
        return
    route = Page.route_for_request(request, path)
    if route is None:
        return
    page, args, kwargs = route
    if getattr(page, "cache_route", False) and not args and not kwargs:
        # The restrictions go with the route: the serve hook asks for them next.
        page._view_restriction_ids = page.view_restriction_ids()
        # Stored now, before serving adds anything to the page object.
        cache.set(key, (request._wagtail_site, route), FRAGMENT_SECONDS)


# Where a page shell (below) holds what belongs to the request. NUL never occurs
# in what the templates render, so no page text can be taken for a marker.
SHELL_CSRF = "\x00csrf-token\x00"
SHELL_NAV = "\x00reader-nav\x00"
SHELL_READER = "\x00reader-tools\x00"
SHELL_UNREAD = "\x00reader-unread\x00"


def _shell_key(page, request, authenticated: bool) -> str:
    where = f"{request._get_raw_host()}|{request.get_port()}|{request.path}"
    digest = md5(where.encode(), usedforsecurity=False).hexdigest()
    return (
        f"courses:page-shell:{page.cache_key}:{digest}:{content_version(request)}:"
        f"{get_language()}:{int(authenticated)}"
    )


def page_shell_serve(page, request, serve) -> HttpResponse:
    """The page from its *shell*: the whole page as rendered for every reader of
    it (per published version, content version, language, address and whether
    the reader is signed in), with markers where the request's own parts go,
    which are then put in: the CSRF token, the header's links for this reader
    (`cms/_header_nav.html`) and their name and unread count
    (`cms/_header_reader.html`), rendered together from their templates and
    caches as on any other page. `serve` renders the page (Wagtail's
    `Page.serve`); when the shell is not in the cache, it is called with
    `request.page_shell` set, so that the templates leave the markers.

    Only a plain GET is served so (no query string, as the header's search box
    and language switch would echo it; no message waiting to be shown); other
    requests get the page rendered whole, and so does a preview (whose page is
    a draft with the live page's cache key).
    """
    from django.contrib.messages import get_messages
    from django.middleware.csrf import get_token

    if (
        request.method != "GET"
        or getattr(request, "is_preview", False)
        or request.META.get("QUERY_STRING")
        or len(get_messages(request))
    ):
        return serve()
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    key = _shell_key(page, request, authenticated)
    shell = cache.get(key)
    if shell is None:
        request.page_shell = True
        try:
            response = serve()
            if hasattr(response, "render"):
                response.render()
        finally:
            del request.page_shell
        if response.status_code != 200 or not isinstance(
            getattr(response, "context_data", None), dict
        ):
            return serve()  # not a page to keep: rendered again, whole
        shell = response.content.decode(response.charset)
        cache.set(key, shell, FRAGMENT_SECONDS)
    token = get_token(request)
    nav, tools = _reader_parts(request, page, user, authenticated)
    badge = ""
    if authenticated:
        from courses.services.records.notifications import unread_count

        unread = unread_count(user_id=user.pk)
        if unread:
            badge = render_to_string(
                "cms/_unread_badge.html", {"unread_notifications": unread}
            )
    html = (
        shell.replace(SHELL_NAV, nav)
        .replace(SHELL_READER, tools)
        .replace(SHELL_UNREAD, badge)
        .replace(SHELL_CSRF, token)
    )
    return HttpResponse(html)


def _reader_parts(request, page, user, authenticated: bool) -> tuple[str, str]:
    """The header's parts for this reader (`cms/_header_reader_parts.html`: the
    links, the logout form and the name), rendered once per reader and kept
    under the same key as their fragments on other pages: the account, its
    version (moved by any change to its name, roles, groups or permissions),
    the content version and the language. The unread count and the CSRF token
    are left as markers."""
    if authenticated:
        who = f"{user.pk}:{user.username}:{user.date_joined.timestamp()}"
        who += f":{user_version(user.pk)}"
    else:
        who = "anonymous"
    key = (
        f"courses:reader-parts:{who}:{request._get_raw_host()}:"
        f"{content_version(request)}:{get_language()}"
    )
    parts = cache.get(key)
    if parts is None:
        context = {
            **page_render_context(request),
            "page": page,
            "self": page,
            "csrf_token": SHELL_CSRF,
            "page_shell": {"unread": SHELL_UNREAD},
            "shell_split": SHELL_NAV,
        }
        html = get_template("cms/_header_reader_parts.html").render(context, request)
        parts = tuple(html.split(SHELL_NAV))
        cache.set(key, parts, USER_FRAGMENT_SECONDS)
    return parts


def page_shell_context(request) -> dict:
    """What the templates need to leave markers in a page shell (above)."""
    if not getattr(request, "page_shell", False):
        return {}
    return {
        "page_shell": {"nav": SHELL_NAV, "reader": SHELL_READER, "unread": ""},
        "csrf_token": SHELL_CSRF,
    }


def _plain_text_key(page) -> str:
    return f"courses:plain-text:{page.cache_key}"


def pages_plain_text(pages: list) -> dict[int, str]:
    """`page.plain_text()` by page id, cached for each page's published version.
    Pages that come with their StreamFields deferred have those missing from the
    cache fetched whole, together; the others are read as they are."""
    keys = {page.pk: _plain_text_key(page) for page in pages}
    cached = cache.get_many(keys.values())
    texts = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [page for page in pages if page.pk not in texts]
    if missing:
        from wagtail.models import Page

        whole = [page for page in missing if "body" not in page.get_deferred_fields()]
        deferred = [page.pk for page in missing if page not in whole]
        if deferred:
            whole += list(Page.objects.filter(pk__in=deferred).specific())
        fresh = {page.pk: page.plain_text() for page in whole}
        cache.set_many(
            {keys[pk]: text for pk, text in fresh.items()}, PLAIN_TEXT_SECONDS
        )
        texts.update(fresh)
    return texts
