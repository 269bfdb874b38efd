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
  - With O(subjects), many subjects in one task. Every entry is parsed first, then every subject is read and
    its first schema tested for compatibility, in parallel (O(workers)). When any subject is refused, the
    module fails listing every refused subject and changes nothing. Otherwise it applies the subjects that
    differ. Entries for the same subject run in their given order (a restore's C(IMPORT) mode, versions and
    C(READWRITE) mode); a subject's later schemas are tested as they are registered.
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
    description: The latest version's schema text before and after (one diff per changed subject).
options:
  subjects:
    description:
      - Many subjects in one task, each entry taking what the single form takes (O(subject) is required in each).
      - Mutually exclusive with the single form's O(subject), O(schema), O(compatibility), O(mode), O(id),
        O(version) and O(references).
    type: list
    elements: dict
    suboptions:
      subject:
        description: Subject name.
        type: str
        required: true
      state:
        description: C(present) or C(absent).
        type: str
        choices: [present, absent]
        default: present
      schema:
        description: The schema, as text or as a dict.
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
        description: Ask the registry to normalise the schema.
        type: bool
        default: false
      compatibility:
        description: Compatibility level of the subject.
        type: str
        choices: [NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE]
      mode:
        description: Mode of the subject.
        type: str
        choices: [READWRITE, READONLY, IMPORT]
      id:
        description: Register with this schema id (restore, C(IMPORT) mode).
        type: int
      version:
        description: Register as this version number (restore, C(IMPORT) mode).
        type: int
      permanent:
        description: With C(state=absent), hard-delete.
        type: bool
        default: false
  workers:
    description: With O(subjects), subjects worked on at the same time, each worker over its own connection.
    type: int
    default: 4
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
- name: Register two subjects in one task (nothing changes when either is refused)
  k2.kafka_ops.schema_subject:
    schema_registry_urls:
      - http://127.0.0.1:8081/apis/ccompat/v7
      - http://127.0.0.1:8082/apis/ccompat/v7
    subjects:
      - subject: market.equities.trades-value
        schema: "{{ lookup('ansible.builtin.file', 'src/k2/schemas/trade.avsc') }}"
        compatibility: BACKWARD
      - subject: market.equities.quotes-value
        schema: "{{ lookup('ansible.builtin.file', 'src/k2/schemas/quote.avsc') }}"
        compatibility: BACKWARD

- name: Register one subject
  k2.kafka_ops.schema_subject:
    schema_registry_urls: [http://127.0.0.1:8081/apis/ccompat/v7]
    subject: market.crypto.trades-value
    schema: "{{ lookup('ansible.builtin.file', 'src/k2/schemas/trade.avsc') }}"

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
plan:
  description:
    - What this task changes (or would change, in check mode), one item per subject entry it changes, in the shape every mutating
      module of the collection returns and the plan role reads (P(k2.kafka_ops.k2_plan#filter)).
    - Each item has C(kind) (C(subject)), C(name), C(action), C(before), C(after) and C(warnings) (what a reviewer
      must know before approving it).
  returned: always
  type: list
  elements: dict
  sample:
    - kind: subject
      name: market.equities.trades-value
      action: register
      before: {latest_version: 1, versions: null}
      after: {compatibility: BACKWARD}
      warnings: ['a new schema version: producers may write it, so consumers must read it (compatibility BACKWARD)']
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
latest_version:
  description: The subject's latest version before the run; null when it had none.
  returned: with O(subject) and O(state=present)
  type: int
  sample: 2
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
subjects:
  description:
    - With O(subjects), one result per entry, in the given order. Each has the single form's keys
      (C(subject), C(changed), C(actions), C(id), C(version), C(compatibility), C(deleted_versions)), plus
      C(error) and C(reasons) when it was refused or failed, or C(skipped) when an earlier entry for the same
      subject failed.
  returned: when O(subjects) is given
  type: list
  elements: dict
  sample:
    - {subject: market.equities.trades-value, changed: false, actions: [], id: 1, version: 1, compatibility: BACKWARD}
refused:
  description: With O(subjects), the entries refused before anything was applied (every one, not the first).
  returned: when O(subjects) is given
  type: list
  elements: dict
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module
from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import subject_options


OPTIONS = dict(
    subject_options(),
    subjects=dict(type='list', elements='dict', options=subject_options(batch=True)),
    workers=dict(type='int', default=4),
)


def main():
    run_module(OPTIONS, services.schema_subject, requires=services.schema_subject_needs,
               on_error=lambda run: {} if run.params['subjects'] is not None else {'subject': run.params['subject']},
               required_one_of=[('subject', 'compatibility', 'mode', 'subjects')],
               mutually_exclusive=[('subjects', key) for key in
                                   ('subject', 'schema', 'compatibility', 'mode', 'id', 'version', 'references')],
               required_if=[('state', 'absent', ('subject', 'subjects'), True)],
               required_by={'id': 'schema', 'version': 'schema'})


if __name__ == '__main__':
    main()
