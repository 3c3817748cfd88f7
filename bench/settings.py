"""The bench's settings: production's, read from the environment as ever, with the bench's URLconf."""

from ecommerce.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
