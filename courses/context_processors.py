from django.utils.functional import SimpleLazyObject

from courses.cache import site_nav_urls
from courses.selectors.scope import Capability, user_has_capability


def site_nav(request):
    """The header's section links on every page (quiz pages, profile, search),
    from the cache: `{% slugurl %}` costs two queries and ~10 ms a link."""
    return {"site_nav": SimpleLazyObject(lambda: site_nav_urls(request))}


def roles(request):
    """What the navigation may offer the current user.

    Lazy: a page whose header comes from the cache never asks.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_view_people": SimpleLazyObject(
            lambda: user_has_capability(user=user, capability=Capability.VIEW_PEOPLE)
        ),
        "can_view_reports": SimpleLazyObject(
            lambda: user_has_capability(user=user, capability=Capability.VIEW_REPORTS)
        ),
        "can_import_roster": SimpleLazyObject(
            lambda: user_has_capability(user=user, capability=Capability.IMPORT_ROSTER)
        ),
        # From the cache (forgotten whenever a notification arrives or is read).
        "unread_notifications": SimpleLazyObject(lambda: _unread(user.pk)),
    }


def _unread(user_pk) -> int:
    from courses.services.records.notifications import unread_count

    return unread_count(user_id=user_pk)
