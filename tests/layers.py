"""pytest plugin (-p layers, pytest.ini): every test belongs to exactly the layer of its folder. A test without
a layer marker is an error, not silently left out of `make test`'s `-m` selections."""
import os

import pytest

LAYERS = {"unit": "unit", "contract": "contract", "integration": "integration", "faults": "faults", "docker": "docker"}


def expected_layer(path):
    parts = str(path).split(os.sep)
    if "faults" in parts:
        return "faults"
    for folder in ("unit", "contract", "integration", "docker"):
        if folder in parts:
            return folder
    return None


def pytest_collection_modifyitems(config, items):
    problems = []
    for item in items:
        marks = set(m.name for m in item.iter_markers()) & set(LAYERS)
        wanted = expected_layer(item.fspath)
        if not marks:
            problems.append("%s: no layer marker (pytestmark = pytest.mark.%s)" % (item.nodeid, wanted or "unit"))
        elif wanted and marks != {wanted}:
            problems.append("%s: marked %s, but its folder is the %s layer"
                            % (item.nodeid, ", ".join(sorted(marks)), wanted))
    if problems:
        raise pytest.UsageError("tests outside a layer would be left out of make test:\n  " + "\n  ".join(problems))
