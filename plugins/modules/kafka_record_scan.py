#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_record_scan
short_description: Read a topic's records back and report gaps in their sequence numbers
version_added: 0.1.0
description:
  - The runbook's "Data loss suspected" check. Reads the last O(max_records) records of each partition (by
    assigning the partitions; no consumer group is created, no offset committed), decodes each Avro value with its
    writer schema from the registry (Confluent wire format), and follows O(field) per O(group_by) within each
    partition. A jump in the sequence is a gap, reported with the offsets on either side and how many are missing.
  - Also returns each partition's earliest and latest offsets and its oldest and newest record times, so a playbook
    can tell a purge by retention from a loss.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
  - k2.kafka_ops.attributes.info_module
options:
  topic:
    description: The topic to read, e.g. C(market.equities.trades.asx).
    type: str
    required: true
  partitions:
    description: Only these partitions (all by default).
    type: list
    elements: int
  field:
    description: The record field that counts up by one per key (the platform's C(sequence_number)).
    type: str
    default: sequence_number
  group_by:
    description:
      - The record field whose values each have their own sequence (the platform's C(symbol)); empty for one
        sequence per partition.
    type: str
    default: symbol
  max_records:
    description: Records read per partition at most, the newest ones.
    type: int
    default: 100000
seealso:
  - module: k2.kafka_ops.kafka_topic_info
'''

EXAMPLES = r'''
- name: Look for lost trades on one topic
  k2.kafka_ops.kafka_record_scan:
    bootstrap_servers: 127.0.0.1:9092
    schema_registry_urls: [http://127.0.0.1:8081/apis/ccompat/v7]
    topic: market.equities.trades.asx
  register: scan
'''

RETURN = r'''
gaps:
  description: Each jump in the sequence, in partition and offset order.
  returned: always
  type: list
  elements: dict
  sample:
    - {partition: 2, key: BHP, after_offset: 41, at_offset: 42, after_sequence: 1041, next_sequence: 1044, missing: 2}
gap_count:
  description: How many gaps.
  returned: always
  type: int
missing:
  description: How many sequence numbers the gaps skip in all.
  returned: always
  type: int
partitions:
  description:
    - Per partition, C(earliest_offset), C(latest_offset), C(read), C(first_offset), C(last_offset),
      C(oldest_timestamp_ms), C(newest_timestamp_ms) and C(undecodable).
  returned: always
  type: list
  elements: dict
oldest_timestamp_ms:
  description: The oldest record time read (ms since the epoch), null when nothing was read.
  returned: always
  type: int
records:
  description: Records read.
  returned: always
  type: int
with_field:
  description: Records that carry O(field).
  returned: always
  type: int
without_field:
  description: Records without O(field) (or with it null).
  returned: always
  type: int
out_of_order:
  description: Records whose sequence is not above the previous one of their key (repeats).
  returned: always
  type: int
undecodable:
  description: Records that are not Confluent wire-format Avro.
  returned: always
  type: int
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(
    topic=dict(type='str', required=True),
    partitions=dict(type='list', elements='int'),
    field=dict(type='str', default='sequence_number'),
    group_by=dict(type='str', default='symbol'),
    max_records=dict(type='int', default=100000),
)


def main():
    run_module(OPTIONS, services.kafka_record_scan, requires=('confluent_kafka', 'fastavro'))


if __name__ == '__main__':
    main()
