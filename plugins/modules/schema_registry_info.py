#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: schema_registry_info
short_description: Which Schema Registry instances answer, and what the registry can do
version_added: 0.1.0
description:
  - Asks each URL of O(schema_registry_urls) on its own whether it answers (C(GET /config)).
  - Probes, through the first URL that answers, what the registry can do - Confluent, Karapace and Apicurio
    differ - so that playbooks decide from capabilities, never from the answer of an unrelated call.
  - It only reads - C(GET /mode), C(GET /schemas?limit=1), the registry's own identification (Confluent's
    C(GET /v1/metadata/id), Karapace's C(GET /_health)) and a verbose compatibility test of one existing
    subject's latest version against itself, which stores nothing - so a read-only credential gets the same
    answer and the registry's audit log records no write.
  - Whether modes can be changed and IMPORT honoured follows from which registry it is, as each documents it;
    for a registry that serves C(/mode) but is none of the three they are null (unknown).
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Read-only; there is nothing to diff.
options:
  capabilities:
    description: Probe the capabilities. With C(false) only the instances are checked.
    type: bool
    default: true
seealso:
  - module: k2.kafka_ops.schema_subject_info
'''

EXAMPLES = r'''
- name: Which registries answer and can they import with ids
  k2.kafka_ops.schema_registry_info:
    schema_registry_urls: [http://127.0.0.1:8081/apis/ccompat/v7, http://127.0.0.1:8082/apis/ccompat/v7]
  register: registry
'''

RETURN = r'''
instances:
  description: One entry per URL, in the order given.
  returned: always
  type: list
  elements: dict
  sample: [{url: 'http://127.0.0.1:8081', reachable: true, error: null}]
reachable:
  description: Whether any instance answered.
  returned: always
  type: bool
global_compatibility:
  description: The global compatibility level, null when no instance answered.
  returned: always
  type: str
  sample: BACKWARD
capabilities:
  description:
    - What the registry can do; null when no instance answered or O(capabilities=false).
    - C(flavour) is inferred from read-only answers (C(confluent), C(karapace), C(apicurio) or C(unknown)).
    - C(mode_writable_global), C(mode_writable_subject) and C(import_mode) follow from C(flavour); they are null
      for C(unknown), since learning them would take a write.
    - C(explicit_ids) follows C(import_mode), since registries honour explicit ids only in IMPORT mode.
    - C(verbose_compatibility) is null when the registry holds no subject to test against.
  returned: always
  type: dict
  sample:
    mode_readable: true
    mode: READWRITE
    mode_writable_global: true
    mode_writable_subject: true
    import_mode: true
    explicit_ids: true
    schemas_endpoint: true
    verbose_compatibility: true
    flavour: confluent
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(capabilities=dict(type='bool', default=True))


def main():
    run_module(OPTIONS, services.schema_registry_info, requires=())


if __name__ == '__main__':
    main()
