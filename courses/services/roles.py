"""Granting and revoking scoped roles."""

from django.contrib.auth.models import Group
from django.db import transaction

from courses.catalogue import ROLE_GROUPS
from courses.models import OrgUnit, RoleAssignment

# Each role's Django group carries its global permissions (e.g. entering the
# Wagtail admin); the RoleAssignment carries where those permissions reach.
ROLE_GROUP_NAMES: dict[str, str] = {
    role: name for role, (name, _) in ROLE_GROUPS.items()
}


@transaction.atomic
def role_grant(*, user, role: str, unit: OrgUnit, granted_by=None) -> RoleAssignment:
    assignment = RoleAssignment.objects.filter(user=user, role=role, unit=unit).first()
    if assignment is None:
        assignment = RoleAssignment(
            user=user, role=role, unit=unit, granted_by=granted_by
        )
        assignment.full_clean()
        assignment.save()
    group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
    user.groups.add(group)
    return assignment


@transaction.atomic
def role_revoke(*, user, role: str, unit: OrgUnit) -> None:
    RoleAssignment.objects.filter(user=user, role=role, unit=unit).delete()
    if not RoleAssignment.objects.filter(user=user, role=role).exists():
        group = Group.objects.filter(name=ROLE_GROUP_NAMES[role]).first()
        if group is not None:
            user.groups.remove(group)
