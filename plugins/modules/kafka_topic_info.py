#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_topic_info
short_description: List and describe Kafka topics
version_added: 0.1.0
description:
  - Lists topics by name or regular expression and describes each one, partitions, replication factor,
    configs, leader and in-sync replicas per partition and, on request, earliest and latest offsets.
  - Read-only; never reports a change.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
  - k2.kafka_ops.attributes.info_module
options:
  names:
    description: Topics to describe. Names that do not exist are listed in RV(missing). Overrides O(pattern).
    type: list
    elements: str
  pattern:
    description: Regular expression (search) over topic names, used when O(names) is not given.
    type: str
    default: ^market\.
  include_internal:
    description: Include internal topics (C(__*), C(_schemas), ...) matched by O(pattern).
    type: bool
    default: false
  config:
    description: C(overrides) lists only configs set on the topic; C(all) lists every config.
    type: str
    choices: [overrides, all]
    default: overrides
  offsets:
    description: Add earliest and latest offset and message count per partition.
    type: bool
    default: false
seealso:
  - module: k2.kafka_ops.kafka_topic
'''

EXAMPLES = r'''
- name: Describe every K2 market topic
  k2.kafka_ops.kafka_topic_info:
    bootstrap_servers: 127.0.0.1:9092
  register: market

- name: Offsets of the ASX trades topic
  k2.kafka_ops.kafka_topic_info:
    names: [market.equities.trades.asx]
    offsets: true
'''

RETURN = r'''
topics:
  description: One entry per existing topic, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - name: market.equities.trades.asx
      partitions: 30
      replication_factor: 1
      internal: false
      config: {retention.ms: '604800000', min.insync.replicas: '1'}
      partition_details:
        - {partition: 0, leader: 1, replicas: [1], isr: [1], under_replicated: false}
missing:
  description: Names given in O(names) that do not exist.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(
    names=dict(type='list', elements='str'),
    pattern=dict(type='str', default=r'^market\.'),
    include_internal=dict(type='bool', default=False),
    config=dict(type='str', default='overrides', choices=['overrides', 'all']),
    offsets=dict(type='bool', default=False),
)


def main():
    run_module(OPTIONS, services.kafka_topic_info)


if __name__ == '__main__':
    main()
