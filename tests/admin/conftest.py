import pytest

from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_site_client(client, superuser):
    """Django's test client logged into the admin as a superuser (the admin is a browser UI, not the API)."""
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The list tests create hundreds of users; PBKDF2's deliberate slowness is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
