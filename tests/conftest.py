import os

import pytest

from courses.models import UnitKind
from courses.models.roles import Role
from courses.services.roles import role_grant
from tests.factories import LearnerFactory, UserFactory, unit_create


def pytest_addoption(parser):
    parser.addoption(
        "--services",
        action="store_true",
        default=bool(os.environ.get("TEST_SERVICES")),
        help="also run tests that need the real Redis broker (make test-services)",
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked `services` run only where the services are promised.

    `make test` runs without them; `make test-services` (and CI) runs with
    --services, where an unreachable service fails the test rather than skipping it.
    """
    if config.getoption("--services"):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("services") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def database_restore_if_flushed() -> None:
    """Put back what migrations left (permissions, role groups, positions) when
    a transactional test before has flushed the database.

    Function-scoped tests get this from `serialized_rollback`; a module-scoped
    fixture runs before any of that, so it asks here.
    """
    from django.contrib.auth.models import Permission
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents and not Permission.objects.exists():
        connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rendered fragments, sessions and
    version tokens of one test never meet another's reused primary keys."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def province(db):
    """A small province: a bureau, two facilities with brigades and centres, and a
    community office with a station. Returns a dict of units by code."""
    bureau = unit_create(code="B", name="某省戒毒管理局", kind=UnitKind.BUREAU)
    f1 = unit_create(
        code="F1", name="第一强制隔离戒毒所", kind=UnitKind.FACILITY, parent=bureau
    )
    f1b1 = unit_create(
        code="F1-B1", name="一所一大队", kind=UnitKind.BRIGADE, parent=f1
    )
    f1c = unit_create(
        code="F1-C1", name="一所心理矫治中心", kind=UnitKind.CENTRE, parent=f1
    )
    f2 = unit_create(
        code="F2", name="第二强制隔离戒毒所", kind=UnitKind.FACILITY, parent=bureau
    )
    f2b1 = unit_create(
        code="F2-B1", name="二所一大队", kind=UnitKind.BRIGADE, parent=f2
    )
    office = unit_create(
        code="C1", name="某市禁毒办", kind=UnitKind.COMMUNITY_OFFICE, parent=bureau
    )
    station = unit_create(
        code="C1-S1",
        name="某街道工作站",
        kind=UnitKind.COMMUNITY_STATION,
        parent=office,
    )
    units = {u.code: u for u in [bureau, f1, f1b1, f1c, f2, f2b1, office, station]}
    # Refresh: adding children changes parents' numchild in the database only.
    return {code: type(u).objects.get(pk=u.pk) for code, u in units.items()}


@pytest.fixture
def people(province):
    """One learner in each leaf unit, keyed by unit code."""
    return {
        code: LearnerFactory(unit=province[code], real_name=f"{code}的学员")
        for code in ["F1-B1", "F1-C1", "F2-B1", "C1-S1"]
    }


@pytest.fixture
def make_role_user(province):
    def make(role: str, unit_code: str, username: str | None = None):
        user = UserFactory(username=username or f"{role}-{unit_code}")
        role_grant(user=user, role=role, unit=province[unit_code])
        return user

    return make


@pytest.fixture
def facility_admin(make_role_user):
    return make_role_user(Role.FACILITY_ADMIN, "F1")


@pytest.fixture
def bureau_admin(make_role_user):
    return make_role_user(Role.BUREAU_ADMIN, "B")
