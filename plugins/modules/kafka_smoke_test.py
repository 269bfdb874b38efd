#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_smoke_test
short_description: Produce one Avro record per topic in the Confluent wire format and read it back
version_added: 0.1.0
description:
  - The runbook's "produce a test message" and "consume messages", end to end. For each topic, takes the
    latest schema of its subject from the registry, builds a record with a value in every field, encodes it in
    the Confluent wire format (magic byte 0, the schema id, the Avro body), produces it, reads it back at its
    partition and offset, decodes it with the schema its id names, and compares it field by field.
  - Reading assigns the partition and commits nothing, so no consumer group is left behind.
  - The records stay in the topics (retention removes them); string fields carry O(marker) so consumers can
    recognise them. It reports changed, since it writes records.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
attributes:
  check_mode:
    support: full
    description: Reads the schemas and reports what it would produce; produces nothing.
  diff_mode:
    support: none
    description: Records are not diffed.
options:
  targets:
    description: The topics and their subjects. Without it, O(topics_config), O(asset_class) and O(exchange) choose
      every data type of one exchange.
    type: list
    elements: dict
    suboptions:
      topic:
        description: The topic to write to and read back from.
        type: str
        required: true
      subject:
        description: The subject whose latest schema encodes the record.
        type: str
        required: true
  topics_config:
    description: The loaded K2 topics.yaml.
    type: dict
  asset_class:
    description: The asset class of the exchange.
    type: str
  exchange:
    description: The exchange whose topics are tested.
    type: str
  marker:
    description: Text written into every string field.
    type: str
    default: k2-smoke-test
seealso:
  - module: k2.kafka_ops.kafka_topic_info
'''

EXAMPLES = r'''
- name: One record per data type of ASX, produced and read back
  k2.kafka_ops.kafka_smoke_test:
    topics_config: "{{ lookup('ansible.builtin.file', 'config/kafka/topics.yaml') | from_yaml }}"
    asset_class: equities
    exchange: asx
    bootstrap_servers: 127.0.0.1:9092
    schema_registry_urls: [http://127.0.0.1:8081/apis/ccompat/v7]
'''

RETURN = r'''
results:
  description: One entry per topic.
  returned: always
  type: list
  elements: dict
  sample:
    - topic: market.equities.trades.asx
      subject: market.equities.trades-value
      schema_id: 3
      version: 1
      fields: 11
      partition: 7
      offset: 0
      bytes: 96
      ok: true
      mismatched_fields: []
      message: "market.equities.trades.asx: 11 fields of market.equities.trades-value v1 (schema id 3) ..."
ok:
  description: Whether every record was read back identical (null in check mode).
  returned: always
  type: bool
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(
    targets=dict(type='list', elements='dict', options=dict(topic=dict(type='str', required=True),
                                                            subject=dict(type='str', required=True))),
    topics_config=dict(type='dict'),
    asset_class=dict(type='str'),
    exchange=dict(type='str'),
    marker=dict(type='str', default='k2-smoke-test'),
)


def main():
    run_module(OPTIONS, services.kafka_smoke_test, requires=('confluent_kafka', 'fastavro'),
               on_error=lambda run: {'changed': run.writing and not run.check_mode}, required_one_of=[('targets', 'topics_config')],
               required_by={'topics_config': ('asset_class', 'exchange')})


if __name__ == '__main__':
    main()
