"""The starting catalogue: default positions and one group per role.

Plain data, read by the seeding migration and by `catalogue_ensure`, so that a
fresh database and the demo loader agree on what exists.
"""

from django.db import transaction

DEFAULT_POSITIONS: list[tuple[str, str, str]] = [
    ("management", "管理岗", "所（局）领导、大队长、科室负责人等管理岗位"),
    ("education", "教育矫治岗", "教育矫正中心及大队教育民警"),
    ("medical", "戒毒医疗岗", "戒毒医疗中心医生、护士"),
    ("psychology", "心理咨询岗", "心理矫治中心心理咨询师"),
    ("rehabilitation", "康复训练岗", "康复训练中心康复训练师"),
    ("assessment", "诊断评估岗", "诊断评估中心评估人员"),
    ("enforcement", "执法管理岗", "大队执法、管理与安全警戒"),
    ("community", "社区禁毒专干", "社区戒毒社区康复工作站专职人员"),
    ("volunteer", "志愿服务", "禁毒志愿者"),
]

# What trainers need in the quiz engine's admin: write the bank and quizzes, mark
# essays (changing an attempt item is marking it), see item statistics. No delete:
# a question used in an attempt is retired, not deleted.
QUIZ_AUTHORING_PERMISSIONS = [
    "quizzes.add_category",
    "quizzes.change_category",
    "quizzes.view_category",
    "quizzes.add_question",
    "quizzes.change_question",
    "quizzes.view_question",
    "quizzes.add_quiz",
    "quizzes.change_quiz",
    "quizzes.view_quiz",
    "quizzes.change_attemptitem",
    "quizzes.view_attemptitem",
]
# Reviewers check and correct what trainers wrote; they do not add or mark.
QUIZ_REVIEW_PERMISSIONS = [
    "quizzes.change_category",
    "quizzes.view_category",
    "quizzes.change_question",
    "quizzes.view_question",
    "quizzes.change_quiz",
    "quizzes.view_quiz",
    "quizzes.view_attemptitem",
]

# Role → (group name, extra permissions as "app_label.codename"). Every group may
# enter the Wagtail admin; where it reaches is the RoleAssignment's unit.
ROLE_GROUPS: dict[str, tuple[str, list[str]]] = {
    "trainer": ("教员", QUIZ_AUTHORING_PERMISSIONS),
    "facility_admin": ("单位管理员", []),
    "bureau_admin": (
        "戒毒管理局管理员",
        ["courses.add_position", "courses.change_position", "courses.view_position"],
    ),
}
ACCESS_ADMIN = "wagtailadmin.access_admin"


def permissions_grant(
    *, group, permissions: list[str], permission_model, missing_ok: bool = False
) -> list[str]:
    """Add `permissions` ("app_label.codename") to `group`; return those that do
    not exist (yet). Unless `missing_ok`, a missing one is an error."""
    missing = []
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        permission = permission_model.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None:
            missing.append(dotted)
        else:
            group.permissions.add(permission)
    if missing and not missing_ok:
        raise LookupError(f"permissions not found: {missing}")
    return missing


def catalogue_seed(
    *, position_model, group_model, permission_model, missing_ok: bool = True
) -> None:
    """Create what is missing; change nothing that exists. Takes the models so the
    migration can pass its historical ones.

    The seeding migration runs before the quiz engine's tables exist on a fresh
    database, so there the quizzes permissions are skipped (`missing_ok`);
    `catalogue_ensure`, run after every `migrate` and by the demo loader, grants
    them."""
    for order, (code, name, description) in enumerate(DEFAULT_POSITIONS, start=1):
        position_model.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "sort_order": order},
        )
    for group_name, extra in ROLE_GROUPS.values():
        group, _ = group_model.objects.get_or_create(name=group_name)
        permissions_grant(
            group=group,
            permissions=[ACCESS_ADMIN, *extra],
            permission_model=permission_model,
            missing_ok=missing_ok,
        )


def permissions_create() -> None:
    """Make every app's model permissions now (Django makes them after migrating)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)


@transaction.atomic
def catalogue_ensure() -> None:
    from django.contrib.auth.models import Group, Permission

    from courses.models import Position

    catalogue_seed(
        position_model=Position,
        group_model=Group,
        permission_model=Permission,
        missing_ok=False,
    )


def catalogue_post_migrate(sender, **kwargs) -> None:
    """post_migrate receiver (connect it with sender=the courses app config):
    grants the role groups' permissions on a fresh database, where the seeding
    migration could not yet, and on an existing one whose groups predate a
    permission added here.

    Django makes each app's permissions in its own post_migrate receiver, and
    ours may run before the quiz engine's: make them all first. Only here, never
    at run time: making them clears the content-type cache, and a later lookup
    would then write content types into whatever database it finds.
    """
    permissions_create()
    catalogue_ensure()
