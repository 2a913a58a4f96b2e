import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from actors.demo import DEMO_ACCOUNTS


@pytest.fixture
def client():
    """A client that receives the 500 page as a user would, instead of the raised exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def coordinator_client(db):
    username, _, _ = DEMO_ACCOUNTS["demo-001"]
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("staff-test", password="x", is_staff=True)
