import pytest
from django.contrib.auth import get_user_model

from actors.demo import DEMO_ACCOUNTS
from actors.models import Actor


@pytest.fixture
def demo_coordinator(db):
    """The demo coordinator of 04 (loaded by load_demo with their login)."""
    return Actor.objects.get(external_id="demo-001")


@pytest.fixture
def demo_login():
    username, password, _ = DEMO_ACCOUNTS["demo-001"]
    return username, password


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("staff-test", password="x", is_staff=True)
