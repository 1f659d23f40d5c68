import pytest

from conftest import make_user
from core import roles


@pytest.fixture
def reviewer(db):
    return make_user("reviewer1", roles.REVIEWER)


@pytest.fixture
def reviewer2(db):
    return make_user("reviewer2", roles.REVIEWER)


@pytest.fixture
def reviewer3(db):
    return make_user("reviewer3", roles.REVIEWER)
