"""Receivers that make cached pages stale (see `courses.cache`). Connected in
`CoursesConfig.ready()`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import PageViewRestriction, Site, get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.cache import content_version_bump, user_version_bump
from courses.models import LearnerProfile, RoleAssignment
from quizzes.models import Quiz


def content_changed(sender, **kwargs) -> None:
    content_version_bump()


def user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= {"last_login"}:
        return  # every login saves last_login; nothing shown depends on it
    user_version_bump(instance.pk)


def user_related_changed(sender, instance, **kwargs) -> None:
    user_version_bump(instance.user_id)


def user_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not reverse:  # user.groups.add(...) or user.user_permissions.add(...)
        if action in ("post_add", "post_remove", "post_clear"):
            user_version_bump(instance.pk)
    elif action in ("post_add", "post_remove"):  # group.user_set.add(...)
        for pk in pk_set:
            user_version_bump(pk)
    elif action == "pre_clear":  # group.user_set.clear(): who is in it, before
        for pk in instance.user_set.values_list("pk", flat=True):
            user_version_bump(pk)


def group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group's permissions changed: each of its members may see other links."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:  # group.permissions.add(...)
        groups = [instance]
    elif action == "pre_clear":  # permission.group_set.clear()
        groups = list(instance.group_set.all())
    else:  # permission.group_set.add(...)
        groups = list(Group.objects.filter(pk__in=pk_set))
    members = get_user_model().objects.filter(groups__in=groups).distinct()
    for pk in members.values_list("pk", flat=True):
        user_version_bump(pk)


def connect() -> None:
    uid = "courses.cache"
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(content_changed, dispatch_uid=f"{uid}.{id(signal)}")
    for signal in (post_save, post_delete):
        for model in (
            *get_page_models(),
            Site,
            PageViewRestriction,
            Quiz,
            Tag,
            get_document_model(),
            get_image_model(),
        ):
            signal.connect(
                content_changed,
                sender=model,
                dispatch_uid=f"{uid}.{model._meta.label}.{id(signal)}",
            )
        for model in (LearnerProfile, RoleAssignment):
            signal.connect(
                user_related_changed,
                sender=model,
                dispatch_uid=f"{uid}.{model._meta.label}.{id(signal)}",
            )
    User = get_user_model()
    post_save.connect(user_saved, sender=User, dispatch_uid=f"{uid}.user")
    post_delete.connect(user_saved, sender=User, dispatch_uid=f"{uid}.user-deleted")
    for through in (User.groups.through, User.user_permissions.through):
        m2m_changed.connect(
            user_groups_changed,
            sender=through,
            dispatch_uid=f"{uid}.{through._meta.label}",
        )
    m2m_changed.connect(
        group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid=f"{uid}.group-permissions",
    )
    _connect_training_record(uid)


def _connect_training_record(uid: str) -> None:
    from courses.models import HourRequirement, TrainingPolicy
    from courses.services.records.exams import attempt_marked_received
    from courses.services.records.policy import policy_version_bump
    from quizzes.signals import attempt_marked

    attempt_marked.connect(attempt_marked_received, dispatch_uid=f"{uid}.exam-credit")
    for model in (TrainingPolicy, HourRequirement):
        for signal in (post_save, post_delete):
            signal.connect(
                policy_version_bump,
                sender=model,
                dispatch_uid=f"{uid}.policy.{model._meta.label}.{id(signal)}",
            )
