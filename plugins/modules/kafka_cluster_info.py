#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_cluster_info
short_description: The Kafka cluster's identity, brokers and partition health from one metadata request
version_added: 0.1.0
description:
  - Reads the cluster id, the controller, the brokers that are members of the cluster now, the topic count,
    and the under-replicated and offline partitions, in one metadata request.
  - Also returns the version of this collection, so a backup can record which collection wrote it.
  - Recovery uses it to find the brokers that are missing from the cluster and to wait until a restarted
    broker is back and in sync.
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
  - k2.kafka_ops.attributes.info_module
options:
  unreachable:
    description:
      - What to do when no broker answers within O(request_timeout).
      - C(fail) fails the task with the reason. C(report) returns RV(reachable=false) and the reason in
        RV(error), so a recovery play can act on it.
    type: str
    choices: [fail, report]
    default: fail
seealso:
  - module: k2.kafka_ops.kafka_health
'''

EXAMPLES = r'''
- name: Read the cluster id and brokers
  k2.kafka_ops.kafka_cluster_info:
    bootstrap_servers: 127.0.0.1:9092
  register: cluster

- name: Which brokers are members now (a stopped broker is missing)
  k2.kafka_ops.kafka_cluster_info:
    bootstrap_servers: 127.0.0.1:9092
    unreachable: report
  register: cluster_now
'''

RETURN = r'''
reachable:
  description: Whether a broker answered.
  returned: always
  type: bool
error:
  description: Why no broker answered (only with O(unreachable=report)).
  returned: when not reachable
  type: str
cluster_id:
  description: The cluster id.
  returned: when reachable
  type: str
  sample: MkU3OEVBNTcwNTJENDM2Qk
controller_id:
  description: The broker id of the active controller, null when there is none.
  returned: when reachable
  type: int
brokers:
  description: The brokers in the cluster metadata now, by id.
  returned: when reachable
  type: list
  elements: dict
  sample: [{id: 1, host: 127.0.0.1, port: 9092}]
broker_ids:
  description: The ids of RV(brokers).
  returned: when reachable
  type: list
  elements: int
topic_count:
  description: Number of topics, internal ones included.
  returned: when reachable
  type: int
under_replicated_partitions:
  description: Partitions (C(topic-partition)) with fewer in-sync replicas than replicas.
  returned: when reachable
  type: list
  elements: str
offline_partitions:
  description: Partitions without a leader.
  returned: when reachable
  type: list
  elements: str
collection_version:
  description: The version of the k2.kafka_ops collection that ran this module.
  returned: always
  type: str
  sample: 0.1.0
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module
from ansible_collections.k2.kafka_ops.plugins.module_utils.version import COLLECTION_VERSION


OPTIONS = dict(unreachable=dict(type='str', default='fail', choices=['fail', 'report']))


def main():
    run_module(OPTIONS, services.kafka_cluster_info, on_error=dict(collection_version=COLLECTION_VERSION))


if __name__ == '__main__':
    main()
