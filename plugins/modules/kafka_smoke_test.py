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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error, fail_module
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import (kafka_argument_spec,
                                                                                require_confluent_kafka)
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_records import KafkaRecords
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import (RegistryClient,
                                                                            schema_registry_argument_spec)
from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import require_fastavro
from ansible_collections.k2.kafka_ops.plugins.module_utils.smoke import run, targets


def main():
    argument_spec = kafka_argument_spec()
    argument_spec.update(schema_registry_argument_spec())
    argument_spec.update(
        targets=dict(type='list', elements='dict'),
        topics_config=dict(type='dict'),
        asset_class=dict(type='str'),
        exchange=dict(type='str'),
        marker=dict(type='str', default='k2-smoke-test'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_one_of=[('targets', 'topics_config')],
                           required_by={'topics_config': ('asset_class', 'exchange')})
    require_confluent_kafka(module)
    require_fastavro(module, {'schema': 'avro'})
    params = module.params
    try:
        items = params['targets'] or targets(params['topics_config'], params['asset_class'], params['exchange'])
        results = run(KafkaRecords(params), RegistryClient(params), items, params['marker'], module.check_mode)
    except K2Error as exc:
        fail_module(module, exc, changed=not module.check_mode)
    ok = None if module.check_mode else all(r['ok'] for r in results)
    if ok is False:
        module.fail_json(msg='; '.join(r['message'] for r in results if not r['ok']), changed=True, results=results)
    module.exit_json(changed=True, ok=ok, results=results)


if __name__ == '__main__':
    main()
