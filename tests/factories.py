"""factory_boy factories for the training domain."""

import factory
from django.contrib.auth import get_user_model

from courses.models import LearnerProfile, OrgUnit, Position, UnitKind, UnitMembership
from courses.models.learners import IdentityKind, MembershipSource


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n:05d}")
    password = factory.django.Password("Pass-1234-word")


def unit_create(
    *,
    code: str,
    name: str | None = None,
    kind: str = UnitKind.BUREAU,
    parent: OrgUnit | None = None,
) -> OrgUnit:
    """Treebeard nodes must be added through their parent, so no factory_boy here."""
    fields = {"code": code, "name": name or code, "kind": kind}
    if parent is None:
        return OrgUnit.add_root(**fields)
    return parent.add_child(**fields)


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    real_name = factory.Sequence(lambda n: f"学员{n:04d}")
    id_number = factory.Sequence(lambda n: f"J{n:06d}")
    identity = IdentityKind.OFFICER
    position = factory.LazyFunction(lambda: Position.objects.get(code="education"))
    unit = None  # required: pass unit=...

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create:
            UnitMembership.objects.create(
                learner=obj,
                unit=obj.unit,
                started_on=extracted or "2024-01-01",
                source=MembershipSource.MANUAL,
            )
