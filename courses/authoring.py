"""Who writes, reviews and publishes course material.

Trainers (教员) write: they may add and edit lessons in the resource bank, and
only the textbook sections their section group is given. Nothing they write goes
live on their word: every page of the catalogue and the bank runs through the
"课程审核发布" workflow, whose one task is approval by the reviewers group.
Wagtail keeps every revision (compare, restore) and publishes scheduled ones
with `manage.py publish_scheduled` (run by Celery beat in production).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from courses.catalogue import (
    ACCESS_ADMIN,
    QUIZ_REVIEW_PERMISSIONS,
    ROLE_GROUPS,
    permissions_grant,
)

REVIEWERS_GROUP = "课程审核员"
WORKFLOW_NAME = "课程审核发布"
REVIEW_TASK_NAME = "审核发布"


def _page_permission(kind: str) -> Permission:
    return Permission.objects.get(
        content_type__app_label="wagtailcore", codename=f"{kind}_page"
    )


def _grant_pages(group: Group, page: Page, kinds: list[str]) -> None:
    for kind in kinds:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_page_permission(kind)
        )


def _grant_media(group: Group) -> None:
    """Upload and choose images and documents (videos are documents)."""
    root = Collection.get_first_root_node()
    for app_label, codenames in {
        "wagtailimages": ["add_image", "choose_image"],
        "wagtaildocs": ["add_document", "choose_document"],
    }.items():
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                ),
            )


@transaction.atomic
def authoring_setup(*, catalogue: Page, bank: Page) -> Workflow:
    """Groups, page permissions and the review workflow; safe to run again."""
    app_label, codename = ACCESS_ADMIN.split(".")
    access_admin = Permission.objects.get(
        content_type__app_label=app_label, codename=codename
    )
    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    reviewers.permissions.add(access_admin)
    # Reviewers also check the question bank and quizzes (no workflow there).
    permissions_grant(
        group=reviewers,
        permissions=QUIZ_REVIEW_PERMISSIONS,
        permission_model=Permission,
    )
    trainers, _ = Group.objects.get_or_create(name=ROLE_GROUPS["trainer"][0])
    trainers.permissions.add(access_admin)

    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.set([reviewers])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    for page in (catalogue, bank):
        WorkflowPage.objects.update_or_create(
            page=page, defaults={"workflow": workflow}
        )
        _grant_pages(reviewers, page, ["add", "change", "publish"])
    _grant_pages(trainers, bank, ["add", "change"])
    _grant_media(trainers)
    _grant_media(reviewers)
    return workflow


@transaction.atomic
def section_editors_grant(*, page: Page, group_name: str, users) -> Group:
    """Let `users` write under `page` (a course or a chapter) and nowhere else in
    the catalogue. Publishing still goes through review."""
    group, _ = Group.objects.get_or_create(name=group_name)
    app_label, codename = ACCESS_ADMIN.split(".")
    group.permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    _grant_pages(group, page, ["add", "change"])
    for user in users:
        user.groups.add(group)
    return group
