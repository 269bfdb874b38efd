#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_consumer_group_info
short_description: Consumer groups with members, committed offsets and lag
version_added: 0.1.0
description:
  - Lists consumer groups (all, by name or by regular expression) and gives for each its state, members,
    committed offset and log-end offset per partition, and lag per partition, per topic and per group.
  - Read-only; never reports a change.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
  - k2.kafka_ops.attributes.info_module
options:
  names:
    description: Groups to describe. Overrides O(pattern).
    type: list
    elements: str
  pattern:
    description: Regular expression (search) over group ids; every group when omitted.
    type: str
seealso:
  - module: k2.kafka_ops.kafka_health
'''

EXAMPLES = r'''
- name: Lag of the Iceberg writer
  k2.kafka_ops.kafka_consumer_group_info:
    bootstrap_servers: 127.0.0.1:9092
    names: [k2-iceberg-writer]
  register: writer

- name: Show it
  ansible.builtin.debug:
    msg: "{{ writer.groups[0].lag }} messages behind"
'''

RETURN = r'''
groups:
  description: One entry per group.
  returned: always
  type: list
  elements: dict
  sample:
    - group_id: k2-iceberg-writer
      state: STABLE
      members: [{member_id: rdkafka-1, client_id: writer, host: /127.0.0.1, assignment: [market.equities.trades.asx-0]}]
      partitions: [{topic: market.equities.trades.asx, partition: 0, committed_offset: 10, log_end_offset: 15, lag: 5}]
      lag_per_topic: {market.equities.trades.asx: 5}
      lag: 5
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(names=dict(type='list', elements='str'), pattern=dict(type='str'))


def main():
    run_module(OPTIONS, services.kafka_consumer_group_info)


if __name__ == '__main__':
    main()
