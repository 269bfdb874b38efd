"""The docker layer's traceback check (tests/helpers.escaped_exceptions): a deliberate failure's K2Error and
ansible's wrappers pass; an exception escaping a module does not."""
import pytest

from helpers import escaped_exceptions

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
