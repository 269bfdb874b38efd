#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_topic
short_description: Create, grow, configure and delete Kafka topics, one or many in one call
version_added: 0.1.0
description:
  - Reconciles Kafka topics with what is asked. It reads the named topics and their configs, compares,
    and acts only on a difference, in batches over one admin connection.
  - The whole request is validated before anything is applied, first locally (names, counts, partition
    decreases, replication factor, unknown or read-only config keys) and then by the broker with its own
    C(validate_only) check. A request that cannot be honoured as a whole changes nothing.
  - Partitions only grow. Internal topics (C(__*), C(_schemas), C(_confluent*), C(kafkasql-journal)) are
    never deleted.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
attributes:
  check_mode:
    support: full
    description: Runs the same comparison and the broker's validate-only checks; writes nothing.
  diff_mode:
    support: full
    description: One before/after entry per changed topic (partitions, replication factor, config overrides).
options:
  name:
    description: Name of one topic. Mutually exclusive with O(topics).
    type: str
  partitions:
    description: Partition count of O(name). Required to create it; may only grow.
    type: int
  replication_factor:
    description:
      - Replication factor of O(name). The broker default when creating without it.
      - A live topic with another factor fails or warns, see O(replication_factor_mismatch).
    type: int
  config:
    description: Topic configs of O(name), e.g. C(retention.ms). Numbers are compared as strings.
    type: dict
    default: {}
  topics:
    description:
      - Many topics in one call; the output of the P(k2.kafka_ops.k2_topics#filter) filter fits as it is.
    type: list
    elements: dict
    suboptions:
      name:
        description: Topic name.
        type: str
        required: true
      partitions:
        description: Partition count.
        type: int
      replication_factor:
        description: Replication factor.
        type: int
      config:
        description: Topic configs.
        type: dict
      state:
        description: Overrides O(state) for this topic.
        type: str
        choices: [present, absent]
  state:
    description: C(present) creates or updates; C(absent) deletes only the topics named.
    type: str
    choices: [present, absent]
    default: present
  config_mode:
    description:
      - C(merge) sets the declared keys and leaves other overrides alone.
      - C(replace) also resets overrides that are not declared to the broker default.
    type: str
    choices: [merge, replace]
    default: merge
  replication_factor_mismatch:
    description: What a replication factor that differs from the live topic does.
    type: str
    choices: [fail, warn]
    default: fail
seealso:
  - module: k2.kafka_ops.kafka_topic_info
  - plugin: k2.kafka_ops.k2_topics
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Create one topic
  k2.kafka_ops.kafka_topic:
    bootstrap_servers: 127.0.0.1:9092
    name: market.equities.trades.nyse
    partitions: 100
    replication_factor: 1
    config:
      retention.ms: 604800000
      compression.type: lz4

- name: Reconcile every K2 topic from topics.yaml in one call
  k2.kafka_ops.kafka_topic:
    bootstrap_servers: 127.0.0.1:9092
    topics: "{{ lookup('ansible.builtin.file', 'config/kafka/topics.yaml') | from_yaml | k2.kafka_ops.k2_topics }}"

- name: Reset overrides that topics.yaml does not declare
  k2.kafka_ops.kafka_topic:
    name: market.crypto.trades.binance
    config:
      retention.ms: 86400000
    config_mode: replace

- name: Delete a test topic (internal topics are refused)
  k2.kafka_ops.kafka_topic:
    name: market.equities.trades.test
    state: absent
'''

RETURN = r'''
plan:
  description:
    - What this task changes (or would change, in check mode), one item per topic it changes, in the shape every mutating
      module of the collection returns and the plan role reads (P(k2.kafka_ops.k2_plan#filter)).
    - Each item has C(kind) (C(topic)), C(name), C(action), C(before), C(after) and C(warnings) (what a reviewer
      must know before approving it).
  returned: always
  type: list
  elements: dict
  sample:
    - kind: topic
      name: market.equities.trades.nyse
      action: create
      before: null
      after: {partitions: 100, replication_factor: 1, config: {}}
      warnings: []
topics:
  description: One entry per requested topic, in request order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Topic name.
      type: str
    action:
      description: The first action taken (or planned in check mode).
      type: str
      choices: [create, raise_partitions, alter_config, delete, none]
    actions:
      description: Every action for the topic; C(raise_partitions) and C(alter_config) may come together.
      type: list
      elements: str
    before:
      description:
        - C(partitions), C(replication_factor) and C(config) (overrides only) before; null if absent.
        - For a topic that does not change, only in diff mode or at C(-vv) and above, which keeps the result of a
          no-op over thousands of topics small.
      type: dict
    after:
      description: The same after the change; null once deleted (for an unchanged topic, as for RV(topics[].before)).
      type: dict
  sample:
    - name: market.equities.trades.nyse
      action: create
      actions: [create]
      before: null
      after: {partitions: 100, replication_factor: 1, config: {retention.ms: '604800000'}}
topic_errors:
  description: On failure, the broker's message per topic that was refused or failed.
  returned: failure
  type: dict
applied:
  description: On a partial failure, the topics whose changes were applied.
  returned: failure
  type: list
  elements: str
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(
    name=dict(type='str'),
    partitions=dict(type='int'),
    replication_factor=dict(type='int'),
    config=dict(type='dict', default={}),
    topics=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True),
        partitions=dict(type='int'),
        replication_factor=dict(type='int'),
        config=dict(type='dict'),
        state=dict(type='str', choices=['present', 'absent']),
    )),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    config_mode=dict(type='str', default='merge', choices=['merge', 'replace']),
    replication_factor_mismatch=dict(type='str', default='fail', choices=['fail', 'warn']),
)


def main():
    run_module(OPTIONS, services.kafka_topic, mutually_exclusive=[('name', 'topics')],
               required_one_of=[('name', 'topics')])


if __name__ == '__main__':
    main()
