"""The docker layer's traceback check (tests/helpers.escaped_exceptions): a deliberate failure's K2Error and
ansible's wrappers pass; an exception escaping a module does not."""
import pytest

from helpers import escaped_exceptions, module_escapes

pytestmark = pytest.mark.unit

REFUSED = """Traceback (most recent call last):
  File "/tmp/x/kafka_topic.py", line 205, in main
    raise K2Error('request refused')
ansible_collections.k2.kafka_ops.plugins.module_utils.errors.K2Error: request refused, nothing was changed

The above target exception was the direct cause of the following controller exception:

Traceback (most recent call last):
  File "/venv/ansible/executor/task_executor.py", line 426, in _execute
ansible._internal._errors._captured.AnsibleModuleCapturedError: Module failed: request refused

Traceback (most recent call last):
  File "/venv/ansible/executor/task_executor.py", line 429, in _execute
ansible.errors.AnsibleTaskError: Task failed: Module failed: request refused
"""

CRASHED = """Traceback (most recent call last):
  File "/tmp/x/kafka_health.py", line 88, in main
    used = disk['used_bytes']
KeyError: 'used_bytes'

Traceback (most recent call last):
  File "/venv/ansible/executor/task_executor.py", line 429, in _execute
ansible.errors.AnsibleTaskError: Task failed: Module failed: 'used_bytes'
"""


def test_a_refused_request_passes_and_an_escaping_key_error_does_not():
    assert escaped_exceptions(REFUSED) == []
    assert escaped_exceptions("PLAY RECAP\nlocalhost : ok=3") == []
    assert escaped_exceptions(CRASHED) == ["KeyError: 'used_bytes'"]


def test_module_escapes_finds_what_ansible_core_2_19_reports_for_an_uncaught_exception():
    """The shape of a module result when a KeyError escapes it under ansible-core 2.19 (what "Traceback" not in
    msg could never see), against a deliberate failure."""
    escaped = {"failed": True, "msg": "Module failed: 'used_bytes'",
               "exception": "Traceback (most recent call last):\n  File \"x.py\", line 1, in main\nKeyError: 'used_bytes'\n"}
    assert module_escapes(escaped) == ["KeyError: 'used_bytes'", "Module failed: 'used_bytes'"]
    deliberate = {"failed": True, "msg": "disks: the entry for b1:/data has no total_bytes",
                  "exception": "Traceback (most recent call last):\n  File \"x.py\", line 1\nK2Error: disks\n"}
    assert module_escapes(deliberate) == [] and module_escapes({"changed": False}) == []
