import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every factory user hashes a password; PBKDF2's cost buys nothing in these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
