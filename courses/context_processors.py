from courses.selectors.scope import Capability, user_has_capability


def roles(request):
    """What the navigation may offer the current user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_view_people": user_has_capability(
            user=user, capability=Capability.VIEW_PEOPLE
        ),
        "can_import_roster": user_has_capability(
            user=user, capability=Capability.IMPORT_ROSTER
        ),
    }
