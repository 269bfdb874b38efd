# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's main() in one place: the spec from the connection fragments, AnsibleModule, the dependency
guards with their version floors, the one call to the module's service, K2Error -> fail_json, and one result
shape (changed, warnings as a list, diff only in diff mode). A module's main() is its options and this call."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error, fail_module
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import require_confluent_kafka
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_connection import kafka_argument_spec
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import schema_registry_argument_spec
from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import require_fastavro


class Run(object):
    """What a service sees of its module run: the validated params and the modes it runs in."""

    def __init__(self, module):
        self.params = module.params
        self.check_mode = module.check_mode
        self.diff = module._diff
        self.verbosity = module._verbosity
        self.writing = False  # a service sets it once its first write may have reached a service


def run_module(options, service, requires=('confluent_kafka',), on_error=None, connection=True, **rules):
    """Build the module, guard its dependencies, run `service(Run)` and exit with its result.

    options: the module's own argument spec, added to the connection options (doc fragments kafka and
    schema_registry) unless connection is False. requires: the libraries it needs (confluent_kafka, fastavro), or a function of the params
    that returns them. on_error: extra keys of the failed result when the service raises K2Error, or a function
    of the Run that returns them (changed=False unless it says otherwise). rules: AnsibleModule's
    mutually_exclusive, required_one_of, required_if, required_by, required_together.

    The service returns the result dict. Its `warnings` (a list) become Ansible warnings, its `diff` is kept
    only in diff mode, and a `failure` message fails the task with the rest of the result."""
    spec = kafka_argument_spec() if connection else {}
    if connection:
        spec.update(schema_registry_argument_spec())
    spec.update(options)
    shape = _list_given_as_text(spec)
    if shape:  # AnsibleModule would say only "dictionary requested": say which option and what to give
        loose = dict(spec, **dict((name, dict(type='raw')) for name in shape))
        AnsibleModule(argument_spec=loose, supports_check_mode=True).fail_json(msg=shape[sorted(shape)[0]])
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **rules)
    run = Run(module)
    needed = requires(module.params) if callable(requires) else requires
    if 'confluent_kafka' in needed:
        require_confluent_kafka(module)
    if 'fastavro' in needed:
        require_fastavro(module)
    try:
        result = service(run)
    except K2Error as exc:
        extra = dict(changed=False)
        extra.update((on_error(run) if callable(on_error) else on_error) or {})
        fail_module(module, exc, **extra)
    finish(module, result)


def _list_given_as_text(spec):
    """{option: message} for each list-of-dicts option the task gave a string."""
    try:
        raw = basic._load_params()  # pylint: disable=protected-access
    except Exception:  # pylint: disable=broad-except  # AnsibleModule reads them again, and says what is wrong
        raw = None
    if not isinstance(raw, dict):  # e.g. ansible-test's argument_spec introspection, which passes none
        return {}
    out = {}
    for name, option in spec.items():
        if option.get('type') == 'list' and option.get('elements') == 'dict' and isinstance(raw.get(name), str) \
                and not raw[name].lstrip().startswith(('[', '{')) and '=' not in raw[name]:
            out[name] = ('%s: expected a list of dicts, got the string %r; give a YAML list, e.g. %s: [{%s}]'
                         % (name, raw[name][:60], name, ', '.join('%s: ...' % k for k in sorted(
                             k for k, v in (option.get('options') or {}).items() if v.get('required'))[:3]) or '...'))
    return out


def finish(module, result):
    """Exit with the one result shape."""
    result = dict(result)
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    if not module._diff or result.get('diff') is None:
        result.pop('diff', None)
    result.setdefault('changed', False)
    failure = result.pop('failure', None)
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)
