#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_consumer_group
short_description: Set a consumer group's committed offsets (restores, replays)
version_added: 0.1.0
description:
  - Commits the given offsets for a consumer group, only where they differ from what is committed.
  - A group with active members is never touched; it is reported as skipped, since its consumers own
    their offsets.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
attributes:
  check_mode:
    support: full
    description: Reads the group and compares; commits nothing.
  diff_mode:
    support: full
    description: Committed offsets per partition before and after.
options:
  group:
    description: Consumer group id. Give either O(group) and O(offsets), or O(groups).
    type: str
  offsets:
    description: Offsets to commit, each C({topic, partition, offset}).
    type: list
    elements: dict
  groups:
    description:
      - Many groups in one task, over one connection, with one describe, one read of the committed offsets and
        one commit. Every entry is checked before anything is read.
    type: list
    elements: dict
    suboptions:
      group:
        description: Consumer group id.
        type: str
        required: true
      offsets:
        description: Offsets to commit, each C({topic, partition, offset}).
        type: list
        elements: dict
        required: true
seealso:
  - module: k2.kafka_ops.kafka_consumer_group_info
'''

EXAMPLES = r'''
- name: Rewind the Iceberg writer to the start of partition 0
  k2.kafka_ops.kafka_consumer_group:
    bootstrap_servers: 127.0.0.1:9092
    group: k2-iceberg-writer
    offsets:
      - {topic: market.equities.trades.asx, partition: 0, offset: 0}

- name: Restore two groups' offsets in one task
  k2.kafka_ops.kafka_consumer_group:
    groups:
      - group: k2-iceberg-writer
        offsets: [{topic: market.equities.trades.asx, partition: 0, offset: 120}]
      - group: k2-quote-monitor
        offsets: [{topic: market.equities.quotes.asx, partition: 3, offset: 88}]
'''

RETURN = r'''
plan:
  description:
    - What this task changes (or would change, in check mode), one item per group whose offsets it sets, in the shape every mutating
      module of the collection returns and the plan role reads (P(k2.kafka_ops.k2_plan#filter)).
    - Each item has C(kind) (C(group)), C(name), C(action), C(before), C(after) and C(warnings) (what a reviewer
      must know before approving it).
  returned: always
  type: list
  elements: dict
  sample:
    - kind: group
      name: k2-iceberg-writer
      action: set_offsets
      before: {market.equities.trades.asx-0: 5}
      after: {market.equities.trades.asx-0: 9}
      warnings: ["the group's consumers resume from these offsets"]
groups:
  description: With O(groups), one result per group, each with the keys below.
  returned: when O(groups) is given
  type: list
  elements: dict
group:
  description: The group.
  returned: always
  type: str
state:
  description: The group's state (EMPTY, STABLE, ...).
  returned: always
  type: str
skipped:
  description: True when the group has active members and nothing was done.
  returned: always
  type: bool
before:
  description: Committed offsets of the named partitions before, as C(topic-partition) to offset.
  returned: always
  type: dict
after:
  description: The same after the run (or as it would be, in check mode).
  returned: always
  type: dict
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(
    group=dict(type='str'),
    offsets=dict(type='list', elements='dict'),
    groups=dict(type='list', elements='dict', options=dict(group=dict(type='str', required=True),
                                                           offsets=dict(type='list', elements='dict', required=True))),
)


def main():
    run_module(OPTIONS, services.kafka_consumer_group, required_one_of=[('group', 'groups')],
               mutually_exclusive=[('group', 'groups')], required_together=[('group', 'offsets')])


if __name__ == '__main__':
    main()
