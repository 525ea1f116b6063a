from datetime import datetime

import pytest
from django.utils import timezone

from tests.factories import UserFactory


@pytest.fixture
def now():
    """09:00 on an exam day, Beijing time."""
    return timezone.make_aware(datetime(2025, 6, 2, 9, 0))


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="other-learner")


@pytest.fixture
def trainer(db):
    return UserFactory(username="trainer")
