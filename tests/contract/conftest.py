import pytest

from tests.contract.documents import hallgw


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The gateway as a hall runs it: every extension that starts on the county example."""
    with hallgw(tmp_path_factory.mktemp("full"), extensions=True) as g:
        yield g


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    """The gateway with --no-extensions: the engine, the store and the core API."""
    with hallgw(tmp_path_factory.mktemp("core"), extensions=False) as g:
        yield g
