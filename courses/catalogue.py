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

# Role → (group name, extra permissions as "app_label.codename"). Every group may
# enter the Wagtail admin; where it reaches is the RoleAssignment's unit.
ROLE_GROUPS: dict[str, tuple[str, list[str]]] = {
    "trainer": ("教员", []),
    "facility_admin": ("单位管理员", []),
    "bureau_admin": (
        "戒毒管理局管理员",
        ["courses.add_position", "courses.change_position", "courses.view_position"],
    ),
}
ACCESS_ADMIN = "wagtailadmin.access_admin"


def catalogue_seed(*, position_model, group_model, permission_model) -> None:
    """Create what is missing; change nothing that exists. Takes the models so the
    migration can pass its historical ones."""
    for order, (code, name, description) in enumerate(DEFAULT_POSITIONS, start=1):
        position_model.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "sort_order": order},
        )
    for group_name, extra in ROLE_GROUPS.values():
        group, _ = group_model.objects.get_or_create(name=group_name)
        for dotted in [ACCESS_ADMIN, *extra]:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                permission_model.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )


@transaction.atomic
def catalogue_ensure() -> None:
    from django.contrib.auth.models import Group, Permission

    from courses.models import Position

    catalogue_seed(
        position_model=Position, group_model=Group, permission_model=Permission
    )
