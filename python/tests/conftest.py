import os

import pytest


def pytest_addoption(parser):
    parser.addoption("--l2l-binary", default=os.environ.get("L2L_BINARY", ""),
                     help="the l2l command-line tool, for CLI-vs-Python comparisons")


@pytest.fixture
def l2l_binary(request):
    path = request.config.getoption("--l2l-binary")
    if not path or not os.path.exists(path):
        pytest.skip("--l2l-binary not given (CTest passes it)")
    return path
