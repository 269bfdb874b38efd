"""The layers plugin: an unmarked test, or one marked for another layer than its folder, stops the run."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collect(tmp_path, body):
    folder = tmp_path / "unit"
    folder.mkdir()
    (folder / "test_sample.py").write_text("import pytest\n" + body)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    unit: u\n    contract: c\n    integration: i\n"
                                         "    faults: f\n")
    env = dict(os.environ, PYTHONPATH=TESTS)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "layers", "--collect-only", "-q", str(folder)],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False)


def test_an_unmarked_test_is_an_error(tmp_path):
    proc = collect(tmp_path, "def test_x():\n    pass\n")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "test_sample.py::test_x: no layer marker" in proc.stdout + proc.stderr


def test_a_test_marked_for_another_layer_is_an_error(tmp_path):
    proc = collect(tmp_path, "pytestmark = pytest.mark.integration\ndef test_x():\n    pass\n")
    assert proc.returncode == 4 and "marked integration, but its folder is the unit layer" in proc.stdout + proc.stderr


def test_a_marked_test_is_collected(tmp_path):
    proc = collect(tmp_path, "pytestmark = pytest.mark.unit\ndef test_x():\n    pass\n")
    assert proc.returncode == 0 and "1 test collected" in proc.stdout, proc.stdout + proc.stderr
