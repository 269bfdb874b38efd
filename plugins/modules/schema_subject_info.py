#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: schema_subject_info
short_description: List Schema Registry subjects with their versions, ids, types and levels
version_added: 0.1.0
description:
  - Lists subjects, optionally by prefix or regular expression, with every version's id, schema type,
    references and (optionally) schema text, and each subject's compatibility level.
  - Also returns the global compatibility level and mode. Read-only.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.schema_registry
  - k2.kafka_ops.kafka
  - k2.kafka_ops.attributes.info_module
options:
  prefix:
    description: Only subjects starting with this prefix (asked of the registry, and applied here too).
    type: str
  pattern:
    description: Only subjects matching this regular expression (search).
    type: str
  deleted:
    description: Include soft-deleted subjects and versions.
    type: bool
    default: false
  include_schema:
    description: Include each version's schema text.
    type: bool
    default: true
  workers:
    description:
      - Subjects read at the same time, each worker over its own kept-alive connection.
      - Where the registry serves C(GET /schemas) (Confluent, Karapace), every version's schema comes from that
        one request; Apicurio's ccompat API does not serve it and each version is read on its own.
    type: int
    default: 4
seealso:
  - module: k2.kafka_ops.schema_subject
'''

EXAMPLES = r'''
- name: Every K2 market subject
  k2.kafka_ops.schema_subject_info:
    schema_registry_urls: [http://127.0.0.1:8081/apis/ccompat/v7]
    prefix: market.
  register: subjects
'''

RETURN = r'''
subjects:
  description: One entry per subject, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - subject: market.equities.trades-value
      compatibility: BACKWARD
      latest_version: 2
      latest_id: 7
      versions:
        - {version: 1, id: 3, schema_type: AVRO, references: [], schema: '{"type":"record",...}'}
        - {version: 2, id: 7, schema_type: AVRO, references: [], schema: '{"type":"record",...}'}
global_compatibility:
  description: The registry's global compatibility level.
  returned: always
  type: str
  sample: BACKWARD
mode:
  description: The registry's global mode; null when the registry has no mode API.
  returned: always
  type: str
  sample: READWRITE
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(
    prefix=dict(type='str'),
    pattern=dict(type='str'),
    deleted=dict(type='bool', default=False),
    include_schema=dict(type='bool', default=True),
    workers=dict(type='int', default=4),
)


def main():
    run_module(OPTIONS, services.schema_subject_info, requires=())


if __name__ == '__main__':
    main()
