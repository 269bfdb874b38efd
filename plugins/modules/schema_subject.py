#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: schema_subject
short_description: Manage Schema Registry subjects, their schemas, compatibility levels and modes
version_added: 0.1.0
description:
  - Registers a schema under a subject when it is not already one of the subject's versions. Before
    registering it tests compatibility against the latest version at the subject's level and, when the
    schema is incompatible, fails with the registry's reasons and registers nothing.
  - Sets the subject's compatibility level and mode, or the global ones when O(subject) is omitted.
  - Soft-deletes a subject, or hard-deletes it with O(permanent=true), soft-deleting first when needed.
  - For restores, registers with an explicit O(id) and O(version) while the registry is in C(IMPORT) mode.
  - Talks to any Confluent-compatible registry (Confluent Schema Registry, Apicurio's ccompat API, Karapace).
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.schema_registry
  - k2.kafka_ops.kafka
attributes:
  check_mode:
    support: full
    description: Runs the lookup and the compatibility test; registers and sets nothing.
  diff_mode:
    support: full
    description: The latest version's schema text before and after.
options:
  subject:
    description: Subject name, e.g. C(market.equities.trades-value). Omit it to set the global level or mode.
    type: str
  state:
    description: C(present) registers and configures; C(absent) deletes the subject.
    type: str
    choices: [present, absent]
    default: present
  schema:
    description:
      - The schema, as text or as a dict. AVRO schemas are parsed locally first and a bad one fails with
        the parse error. Omit it to manage only the level or the mode.
    type: raw
  schema_type:
    description: Schema type.
    type: str
    choices: [AVRO, JSON, PROTOBUF]
    default: AVRO
  references:
    description: Schema references, each C({name, subject, version}).
    type: list
    elements: dict
  normalize:
    description: Ask the registry to normalise the schema before lookup and registration.
    type: bool
    default: false
  compatibility:
    description: Compatibility level of the subject (or the global level without O(subject)).
    type: str
    choices: [NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE]
  mode:
    description:
      - Mode of the subject (or the global mode without O(subject)). It is set before the schema is registered.
      - C(IMPORT) allows registering with explicit O(id) and O(version); set C(READWRITE) again afterwards.
    type: str
    choices: [READWRITE, READONLY, IMPORT]
  id:
    description: Register with this schema id (restore). Needs C(IMPORT) mode.
    type: int
  version:
    description: Register as this version number (restore). Needs C(IMPORT) mode.
    type: int
  permanent:
    description: With O(state=absent), hard-delete (soft-deleting first when needed).
    type: bool
    default: false
seealso:
  - module: k2.kafka_ops.schema_subject_info
  - plugin: k2.kafka_ops.k2_subjects
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Register the K2 subjects from topics.yaml and schemas/*.avsc
  k2.kafka_ops.schema_subject:
    schema_registry_urls:
      - http://127.0.0.1:8081/apis/ccompat/v7
      - http://127.0.0.1:8082/apis/ccompat/v7
    subject: "{{ item.subject }}"
    schema: "{{ lookup('ansible.builtin.file', 'schemas/' ~ item.schema_name ~ '.avsc') }}"
    compatibility: "{{ item.compatibility }}"
  loop: "{{ lookup('ansible.builtin.file', 'config/kafka/topics.yaml') | from_yaml | k2.kafka_ops.k2_subjects }}"
  loop_control:
    label: "{{ item.subject }}"

- name: Set the global compatibility level
  k2.kafka_ops.schema_subject:
    schema_registry_urls: [http://127.0.0.1:8081/apis/ccompat/v7]
    compatibility: BACKWARD

- name: Hard-delete a test subject
  k2.kafka_ops.schema_subject:
    schema_registry_urls: [http://127.0.0.1:8081/apis/ccompat/v7]
    subject: market.test.trades-value
    state: absent
    permanent: true
'''

RETURN = r'''
subject:
  description: The subject, null for global settings.
  returned: always
  type: str
  sample: market.equities.trades-value
id:
  description: Schema id of the registered (or already present) schema; null in check mode for a new schema.
  returned: when O(schema) is given
  type: int
  sample: 1
version:
  description: Version number of the schema under the subject.
  returned: when O(schema) is given
  type: int
  sample: 3
compatibility:
  description: The subject's (or global) compatibility level after the run; null when the subject has none.
  returned: success
  type: str
  sample: BACKWARD
actions:
  description: What was done (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [compatibility, register]
deleted_versions:
  description: Versions removed by O(state=absent).
  returned: when O(state=absent)
  type: list
  elements: int
reasons:
  description: The registry's incompatibility reasons, on failure.
  returned: failure
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error, fail_module
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import kafka_argument_spec
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import (RegistryClient,
                                                                            schema_registry_argument_spec)
from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import (MODES, SCHEMA_TYPES, SubjectManager,
                                                                           require_fastavro)
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import COMPATIBILITY_LEVELS


def main():
    argument_spec = schema_registry_argument_spec()
    argument_spec.update(kafka_argument_spec())
    argument_spec.update(
        subject=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        schema=dict(type='raw'),
        schema_type=dict(type='str', default='AVRO', choices=SCHEMA_TYPES),
        references=dict(type='list', elements='dict'),
        normalize=dict(type='bool', default=False),
        compatibility=dict(type='str', choices=COMPATIBILITY_LEVELS),
        mode=dict(type='str', choices=MODES),
        id=dict(type='int'),
        version=dict(type='int'),
        permanent=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_one_of=[('subject', 'compatibility', 'mode')],
                           required_if=[('state', 'absent', ('subject',))],
                           required_by={'id': 'schema', 'version': 'schema'})
    require_fastavro(module, module.params)
    try:
        result = SubjectManager(RegistryClient(module.params), module.check_mode).ensure(module.params)
    except K2Error as exc:
        fail_module(module, exc, changed=False, subject=module.params['subject'])
    before, after = result.pop('before', None), result.pop('after', None)
    if module._diff and result['changed']:
        result['diff'] = {'before_header': module.params['subject'] or '(global)', 'before': before or '',
                          'after_header': module.params['subject'] or '(global)', 'after': after or ''}
    module.exit_json(**result)


if __name__ == '__main__':
    main()
