"""The scope rule as a matrix: each role × a unit inside and outside its scope."""

import pytest

from courses.models import LearnerProfile, OrgUnit, UnitMembership
from courses.models.roles import Role
from courses.selectors.scope import Capability, unit_scope_q
from tests.factories import UserFactory

# (role, unit the role is attached to) → units whose people it must see.
MATRIX = [
    (Role.TRAINER, "F1-B1", {"F1-B1"}),
    (Role.TRAINER, "F1", {"F1-B1", "F1-C1"}),
    (Role.FACILITY_ADMIN, "F1", {"F1-B1", "F1-C1"}),
    (Role.FACILITY_ADMIN, "F2", {"F2-B1"}),
    (Role.FACILITY_ADMIN, "C1", {"C1-S1"}),
    (Role.BUREAU_ADMIN, "B", {"F1-B1", "F1-C1", "F2-B1", "C1-S1"}),
]
ALL_LEAVES = {"F1-B1", "F1-C1", "F2-B1", "C1-S1"}


@pytest.mark.parametrize(("role", "unit_code", "visible"), MATRIX)
def test_role_sees_its_subtree_and_nothing_else(
    people, make_role_user, role, unit_code, visible
):
    user = make_role_user(role, unit_code)
    seen = {p.unit.code for p in LearnerProfile.objects.within_scope_of(user)}
    assert seen == visible
    for code in ALL_LEAVES - visible:
        assert (
            not LearnerProfile.objects.within_scope_of(user)
            .filter(unit__code=code)
            .exists()
        ), f"{role}@{unit_code} must not see people of {code}"


@pytest.mark.parametrize(("role", "unit_code", "visible"), MATRIX)
def test_units_in_scope_are_the_subtree(
    province, make_role_user, role, unit_code, visible
):
    user = make_role_user(role, unit_code)
    codes = set(OrgUnit.objects.within_scope_of(user).values_list("code", flat=True))
    expected = set(
        OrgUnit.objects.subtree_of(province[unit_code]).values_list("code", flat=True)
    )
    assert codes == expected


def test_plain_learner_sees_no_one(people):
    learner_user = people["F1-B1"].user
    assert not LearnerProfile.objects.within_scope_of(learner_user).exists()
    assert not OrgUnit.objects.within_scope_of(learner_user).exists()


def test_anonymous_sees_no_one(people):
    from django.contrib.auth.models import AnonymousUser

    assert not LearnerProfile.objects.within_scope_of(AnonymousUser()).exists()


def test_superuser_sees_everyone(people):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert LearnerProfile.objects.within_scope_of(admin).count() == len(people)


def test_two_roles_union_their_subtrees(people, province):
    from courses.services.roles import role_grant

    user = UserFactory(username="two-hats")
    role_grant(user=user, role=Role.FACILITY_ADMIN, unit=province["F2"])
    role_grant(user=user, role=Role.TRAINER, unit=province["C1-S1"])
    seen = {p.unit.code for p in LearnerProfile.objects.within_scope_of(user)}
    assert seen == {"F2-B1", "C1-S1"}


def test_trainer_cannot_import_roster_anywhere(people, make_role_user):
    trainer = make_role_user(Role.TRAINER, "B")
    assert not LearnerProfile.objects.within_scope_of(
        trainer, Capability.IMPORT_ROSTER
    ).exists()


def test_deactivated_admin_sees_no_one(people, facility_admin):
    facility_admin.is_active = False
    facility_admin.save()
    assert not LearnerProfile.objects.within_scope_of(facility_admin).exists()


def test_history_is_scoped_by_the_unit_of_the_stay(people, province, facility_admin):
    """A facility sees who was with it, even after they moved to another facility."""
    from courses.services.learners import learner_move

    mover = people["F1-B1"]
    learner_move(
        learner=mover,
        unit=province["F2-B1"],
        on_date=mover.memberships.get().started_on.replace(year=2025),
    )
    stays = UnitMembership.objects.filter(
        unit_scope_q(user=facility_admin, path_field="unit__path")
    )
    assert {(s.learner_id, s.unit.code) for s in stays} >= {(mover.pk, "F1-B1")}
    assert not stays.filter(unit__code="F2-B1").exists()
    assert (
        not LearnerProfile.objects.within_scope_of(facility_admin)
        .filter(pk=mover.pk)
        .exists()
    )


def test_scope_is_one_query(people, facility_admin, django_assert_num_queries):
    with django_assert_num_queries(2):  # roles, then people
        list(LearnerProfile.objects.within_scope_of(facility_admin))


def test_unit_codes_are_unique(province):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        OrgUnit.add_root(code="B", name="dup", kind="bureau")
