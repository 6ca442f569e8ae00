"""The county tests run against the PostgreSQL of the mirror tests."""
from tests.mirror.conftest import pg  # noqa: F401
