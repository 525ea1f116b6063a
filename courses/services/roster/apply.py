"""Applying a checked roster: the tree and the people, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from courses.cache import user_version_bump
from courses.models import LearnerProfile, OrgUnit, Position, RosterImport
from courses.models.learners import MembershipSource, UnitMembership
from courses.services.learners import learner_move
from courses.services.records.facts import stale_mark
from courses.services.roster.check import (
    _chunks,
    _Context,
    _context_load,
    _Plan,
    _roster_check,
)
from courses.services.roster.types import PersonRow, Roster, RosterInvalid

BULK_BATCH_SIZE = 500

COUNT_KEYS = (
    "units_created",
    "units_updated",
    "units_moved",
    "people_created",
    "people_updated",
    "people_moved",
    "unchanged",
)


class _Progress:
    def __init__(self, total: int, callback: Callable[[int, int], None] | None):
        self.done = 0
        self.total = total
        self.callback = callback

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.callback is not None:
            self.callback(self.done, self.total)


def _units_apply(*, plan: _Plan, ctx: _Context, counts: dict, progress: _Progress):
    for row, kind in plan.units:
        existing = ctx.units.get(row.code)
        if existing is None:
            # Re-fetch: treebeard keeps numchild and sibling paths in the database.
            if row.parent_code:
                parent = OrgUnit.objects.get(code=row.parent_code)
                parent.add_child(code=row.code, name=row.name, kind=kind)
            else:
                OrgUnit.add_root(code=row.code, name=row.name, kind=kind)
            counts["units_created"] += 1
        else:
            moved = row.parent_code != existing.parent_code
            if moved:
                node = OrgUnit.objects.get(pk=existing.pk)
                if row.parent_code:
                    node.move(
                        OrgUnit.objects.get(code=row.parent_code), pos="sorted-child"
                    )
                else:
                    node.move(OrgUnit.get_first_root_node(), pos="sorted-sibling")
            changed = row.name != existing.name or kind != existing.kind
            if changed:
                OrgUnit.objects.filter(pk=existing.pk).update(
                    name=row.name, kind=kind, updated_at=timezone.now()
                )
            if moved:
                counts["units_moved"] += 1
            elif changed:
                counts["units_updated"] += 1
            else:
                counts["unchanged"] += 1
        progress.step()


def _people_create(
    *,
    rows: list[tuple[PersonRow, str, Position, OrgUnit]],
    on_date: date,
    roster_import: RosterImport | None,
    importer,
) -> None:
    """Create accounts, profiles and first memberships for new people, in bulk.

    The same records `learner_create` makes, in three INSERTs per batch instead of
    a dozen queries per person: a province roster is thousands of people. Every
    value has been validated by `roster_validate` beforehand.
    """
    User = get_user_model()
    users = []
    for row, _identity, _position, _unit in rows:
        user = User(**{User.USERNAME_FIELD: User.normalize_username(row.id_number)})
        user.password = make_password(None)  # unusable, as learner_create does
        users.append(user)
    User._default_manager.bulk_create(users, batch_size=BULK_BATCH_SIZE)
    profiles = [
        LearnerProfile(
            user=user,
            id_number=row.id_number,
            real_name=row.real_name,
            identity=identity,
            position=position,
            unit=unit,
            phone=row.phone,
        )
        for user, (row, identity, position, unit) in zip(users, rows, strict=True)
    ]
    LearnerProfile.objects.bulk_create(profiles, batch_size=BULK_BATCH_SIZE)
    UnitMembership.objects.bulk_create(
        [
            UnitMembership(
                learner=profile,
                unit=profile.unit,
                started_on=on_date,
                source=MembershipSource.ROSTER_IMPORT,
                roster_import=roster_import,
                recorded_by=importer,
            )
            for profile in profiles
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    # Assignments already reach them: the records batch gives them their rows.
    stale_mark(learner_ids=[profile.pk for profile in profiles])


def _people_apply(
    *,
    plan: _Plan,
    ctx: _Context,
    counts: dict,
    progress: _Progress,
    on_date: date,
    roster_import: RosterImport | None,
    importer,
) -> None:
    needed = sorted({row.unit_code for row, _, _ in plan.people})
    units: dict[str, OrgUnit] = {}
    for chunk in _chunks(needed):
        units.update((u.code, u) for u in OrgUnit.objects.filter(code__in=chunk))
    new_people = []
    for row, identity, position in plan.people:
        unit = units[row.unit_code]
        profile = ctx.profiles.get(row.id_number)
        if profile is None:
            new_people.append((row, identity, position, unit))
            continue
        changes = {}
        if profile.real_name != row.real_name:
            changes["real_name"] = row.real_name
        if profile.identity != identity:
            changes["identity"] = identity
        if profile.position_id != position.pk:
            changes["position"] = position
        if row.phone and profile.phone != row.phone:
            changes["phone"] = row.phone
        if changes:
            LearnerProfile.objects.filter(pk=profile.pk).update(
                **changes, updated_at=timezone.now()
            )
            # A bulk update sends no signal: the header's name and the cached
            # learner of the progress endpoints must not wait for the timeout.
            user_version_bump(profile.user_id)
        moved = profile.unit_id != unit.pk
        if moved:
            learner_move(
                learner=profile,
                unit=unit,
                on_date=on_date,
                source=MembershipSource.ROSTER_IMPORT,
                roster_import=roster_import,
                recorded_by=importer,
            )
            counts["people_moved"] += 1
        elif changes:
            counts["people_updated"] += 1
        else:
            counts["unchanged"] += 1
        progress.step()
    for start in range(0, len(new_people), BULK_BATCH_SIZE):
        batch = new_people[start : start + BULK_BATCH_SIZE]
        _people_create(
            rows=batch, on_date=on_date, roster_import=roster_import, importer=importer
        )
        counts["people_created"] += len(batch)
        progress.step(len(batch))


def roster_apply(
    *,
    roster: Roster,
    importer=None,
    roster_import: RosterImport | None = None,
    on_date: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write the roster's units and people; all of it, or nothing.

    Validates first and raises RosterInvalid with every error before writing.
    Units and people missing from the file are left as they are; rows identical to
    the database are not written at all, so re-running a file changes nothing.
    Returns how many units and people were created, updated (same place, new
    details), moved (new parent or unit) or left unchanged; the counts add up to
    the number of rows.
    """
    on_date = on_date or timezone.localdate()
    counts = dict.fromkeys(COUNT_KEYS, 0)
    tracker = _Progress(roster.size, progress)
    with transaction.atomic():
        ctx = _context_load(roster)
        errors, plan = _roster_check(roster=roster, ctx=ctx, importer=importer)
        if errors:
            raise RosterInvalid(errors)
        _units_apply(plan=plan, ctx=ctx, counts=counts, progress=tracker)
        _people_apply(
            plan=plan,
            ctx=ctx,
            counts=counts,
            progress=tracker,
            on_date=on_date,
            roster_import=roster_import,
            importer=importer,
        )
    return counts
