"""Who reaches the bank: trainers do, learners never do, and the grants hold on
a fresh database and on one whose role groups predate the quiz permissions."""

import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from courses.catalogue import ROLE_GROUPS, catalogue_post_migrate
from courses.models.roles import Role
from courses.services.roles import role_grant
from quizzes.models import AttemptItem, Category
from tests.factories import UserFactory
from tests.quizzes.admin_support import admin_trainer
from tests.quizzes.factories import ExamFactory, QuestionFactory

pytestmark = pytest.mark.django_db

TRAINERS = ROLE_GROUPS["trainer"][0]


def bank_urls() -> list[str]:
    question = QuestionFactory()
    quiz = ExamFactory()
    category = Category.objects.get()
    return [
        "/admin/quizzes/questions/",
        "/admin/quizzes/questions/new/",
        f"/admin/quizzes/questions/edit/{question.pk}/",
        "/admin/quizzes/categories/",
        f"/admin/quizzes/categories/edit/{category.pk}/",
        "/admin/quizzes/quizzes/",
        f"/admin/quizzes/quizzes/edit/{quiz.pk}/",
        "/admin/quizzes/question-chooser/",
        "/admin/quizzes/marking/",
        "/admin/quizzes/marking/1/",
        "/admin/quizzes/statistics/",
        f"/admin/quizzes/statistics/{quiz.pk}/",
    ]


def test_a_fresh_trainer_opens_the_question_list(make_role_user):
    QuestionFactory(stem="<p>禁毒法规定的戒毒措施有哪些？</p>")
    client = Client()
    client.force_login(admin_trainer(make_role_user))
    response = client.get("/admin/quizzes/questions/")
    assert response.status_code == 200
    assert "禁毒法规定的戒毒措施有哪些？" in response.content.decode()
    # The sidebar menu is JSON in the page, non-ASCII escaped.
    menu = client.get("/admin/").content.decode()
    for label in ("题库与测验", "题目", "测验", "阅卷", "试题分析"):
        assert json.dumps(label)[1:-1] in menu, label


def test_post_migrate_grants_quiz_permissions_to_groups_made_before_them(province):
    """An existing database: the trainer group was seeded without them."""
    group, _created = Group.objects.get_or_create(name=TRAINERS)
    group.permissions.remove(
        *group.permissions.filter(content_type__app_label="quizzes")
    )
    user = UserFactory(username="old-trainer")
    role_grant(user=user, role=Role.TRAINER, unit=province["F1"])
    assert not user.has_perm("quizzes.change_question")

    catalogue_post_migrate(sender=apps.get_app_config("courses"))

    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert user.has_perm("quizzes.change_question")
    assert user.has_perm("quizzes.change_attemptitem")
    assert not user.has_perm("quizzes.delete_question")


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_learners_never_reach_the_bank_or_the_marking_queue(who, learner):
    client = Client()
    if who == "learner":
        client.force_login(learner)
    for url in bank_urls():
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert "/login/" in response["Location"], url


def test_an_admin_user_without_quiz_permissions_is_refused(facility_admin):
    client = Client()
    client.force_login(facility_admin)
    for url in bank_urls():
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/quizzes/"), url
    assert not AttemptItem.objects.exists()
