"""Who may see which units and people: the one place that answers it.

An administrator's or trainer's role is attached to a unit and reaches that unit's
whole subtree and nothing else. Every view, report, export and API filters through
`unit_scope_q` (directly or via the `within_scope_of` queryset methods), so the rule
lives here once.
"""

from enum import StrEnum

from django.db.models import Q

from courses.models.roles import Role


class Capability(StrEnum):
    VIEW_PEOPLE = "view_people"
    MANAGE_PEOPLE = "manage_people"
    VIEW_REPORTS = "view_reports"
    IMPORT_ROSTER = "import_roster"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.TRAINER: frozenset({Capability.VIEW_PEOPLE}),
    Role.FACILITY_ADMIN: frozenset(
        {Capability.VIEW_PEOPLE, Capability.MANAGE_PEOPLE, Capability.VIEW_REPORTS}
    ),
    Role.BUREAU_ADMIN: frozenset(Capability),
}

_CACHE_ATTR = "_scope_roots_cache"


def scope_root_paths(*, user, capability: Capability) -> list[str] | None:
    """Tree paths of the units whose subtrees `user` reaches for `capability`.

    None means everything (a superuser). An empty list means nothing. Paths that
    lie inside another listed path are dropped. The user's roles are read
    once per request and cached on the user object.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        # Every role of the user in one query; each capability is derived from it.
        cache = {
            "assignments": list(user.role_assignments.values_list("role", "unit__path"))
        }
        setattr(user, _CACHE_ATTR, cache)
    if capability not in cache:
        paths = sorted(
            path
            for role, path in cache["assignments"]
            if capability in ROLE_CAPABILITIES.get(role, ())
        )
        roots: list[str] = []
        for path in paths:  # sorted, so an ancestor always comes before its subtree
            if not any(path.startswith(root) for root in roots):
                roots.append(path)
        cache[capability] = roots
    return cache[capability]


def unit_scope_q(
    *, user, capability: Capability = Capability.VIEW_PEOPLE, path_field: str = "path"
) -> Q:
    """A filter on `path_field` (a unit's tree path) keeping only units in scope."""
    roots = scope_root_paths(user=user, capability=capability)
    if roots is None:
        return Q()
    if not roots:
        return Q(pk__in=[])
    condition = Q()
    for root in roots:
        condition |= Q(**{f"{path_field}__startswith": root})
    return condition


def user_has_capability(*, user, capability: Capability) -> bool:
    """Whether `user` holds `capability` over at least one unit."""
    roots = scope_root_paths(user=user, capability=capability)
    return roots is None or bool(roots)


def user_roles(*, user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.role_assignments.values_list("role", flat=True))


def unit_is_in_scope(
    *, user, unit, capability: Capability = Capability.VIEW_PEOPLE
) -> bool:
    roots = scope_root_paths(user=user, capability=capability)
    return roots is None or any(unit.path.startswith(root) for root in roots)
