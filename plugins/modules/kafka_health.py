#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_health
short_description: The K2 runbook's health checks as one structured report
version_added: 0.1.0
description:
  - Checks Kafka (reachable, cluster id, controller, brokers, topic count, offline, under-replicated and
    under-min-ISR partitions), drift against topics.yaml (missing, short or unexpected topics, replication
    factor), each Schema Registry URL (reachable, latency, subjects, global compatibility, managed subjects),
    consumer group lag and hot partitions measured from offsets.
  - Every check is a finding C({check, status, subject, value, threshold, message}) with status C(ok),
    C(warning) or C(critical). An unreachable service is a critical finding, never a crash.
  - Returns C(summary), a few lines for a playbook to print, and fails according to O(fail_on).
author: K2 Platform Team (@k2-platform)
extends_documentation_fragment:
  - k2.kafka_ops.kafka
  - k2.kafka_ops.schema_registry
attributes:
  check_mode:
    support: full
    description:
      - Reads the cluster the same way in check mode and always reports changed=false; in check mode it does not
        add this run's lag samples to O(state_file).
  diff_mode:
    support: none
    description: Read-only; there is nothing to diff.
options:
  checks:
    description: Which checks to run.
    type: list
    elements: str
    choices: [kafka, partitions, drift, registry, lag, imbalance, leaders, rate, disk]
    default: [kafka, partitions, drift, registry, lag, imbalance, leaders, rate, disk]
  topics_config:
    description: The K2 topics.yaml, as a path on the host that runs the module or as a loaded dict. Enables
      the drift check, the managed-subject check and limits the imbalance check to managed topics.
    type: raw
  managed_pattern:
    description: Topics that look managed (drift reports those not in O(topics_config)); imbalance scope without it.
    type: str
    default: ^market\.
  expected_brokers:
    description: Brokers the cluster should have; fewer is critical.
    type: int
  consumer_groups:
    description: Groups whose lag is checked; every group when neither this nor O(consumer_group_pattern) is set.
    type: list
    elements: str
  consumer_group_pattern:
    description: Regular expression (search) choosing the groups whose lag is checked.
    type: str
  lag_warning:
    description: Lag (messages) above which a group is a warning. The runbook's 1000.
    type: int
    default: 1000
  lag_critical:
    description:
      - Lag (messages) above which a group is critical once it has stayed above for O(lag_critical_for). The
        runbook's 5000.
    type: int
    default: 5000
  lag_critical_for:
    description:
      - Seconds a group's lag must stay above O(lag_critical) before it is critical (the runbook's "for more than
        5 minutes"). Until then, and when there is no earlier sample to tell, it is a warning that says how
        long it has lasted, or that the duration is unknown. 0 makes any lag above O(lag_critical) critical.
      - The duration comes from the samples of earlier runs kept in O(state_file).
    type: int
    default: 300
  rate_spike_factor:
    description:
      - The C(rate) check warns when a managed topic's message rate is above this many times its baseline (the
        runbook's 3x). A rate comes from the topic's end offsets at two times; the baseline is the median of its
        earlier rates kept in O(state_file) (younger than O(rate_baseline_window)).
    type: float
    default: 3.0
  rate_min:
    description: Rates below this many messages a second are never a spike.
    type: float
    default: 1.0
  rate_interval:
    description:
      - Seconds between the two samples of the end offsets within this run. 0 takes the previous run's sample
        (from O(state_file)) as the first, so a scheduled check costs no wait.
    type: int
    default: 0
  rate_baseline_window:
    description: Seconds of earlier rates that make a topic's baseline.
    type: int
    default: 3600
  disks:
    description:
      - For the C(disk) check, each broker log folder's usage as measured with C(df) on the broker hosts
        (C({host, path, mount, total_bytes, used_bytes, available_bytes}), or C({host, path, error})); the health
        role passes it with C(k2_health_disk_source=df).
      - Without it, the C(disk) check asks every broker for its log directories (DescribeLogDirs, sent by this
        collection's own minimal client because confluent-kafka has no call for it) and judges each by the total
        and usable bytes the broker reports (Kafka 3.3 and later, KIP-827). That needs DESCRIBE on the cluster
        and nothing on the broker hosts.
    type: list
    elements: dict
    suboptions:
      host:
        description: The broker host.
        type: str
      path:
        description: The folder measured (C(k2_broker_data_dir)).
        type: str
      mount:
        description: Its file system's mount point.
        type: str
      filesystem:
        description: Its file system, as df names it.
        type: str
      total_bytes:
        description: The file system's size.
        type: int
      used_bytes:
        description: What is used.
        type: int
      available_bytes:
        description: What is available.
        type: int
      error:
        description: Why it could not be measured (then the bytes are not given).
        type: str
  disk_warning:
    description: Percent of a broker's log folder disk used above which it is a warning (the runbook's 70).
    type: float
    default: 70
  disk_critical:
    description: Percent used above which it is critical (the runbook's 90).
    type: float
    default: 90
  prometheus_file:
    description:
      - Also write the findings in Prometheus' text format to this file (not in check mode), for node-exporter's
        textfile collector (C(--collector.textfile.directory)); name it C(*.prom). It holds
        C(k2_health_status), C(k2_health_finding_status) and C(k2_health_finding_value) by check and subject,
        and each group's lag per topic as C(kafka_consumergroup_lag), the consumer-lag exporter's name, so a
        scheduled health check feeds the alert rules of monitoring/prometheus where that exporter is not run.
    type: path
  state_file:
    description:
      - A JSON file holding each group's lag samples from earlier runs (younger than four times
        O(lag_critical_for)) and each managed topic's end offsets and rates (for the C(rate) check); this run's
        samples are added to it, except in check mode. Without it, the lag duration is unknown and the C(rate)
        check has no baseline. Samples more than twice O(lag_critical_for) apart are not taken as one stretch.
    type: path
  imbalance_warning:
    description:
      - Percent by which the largest partition may exceed the mean before it is a warning (the runbook's 20).
      - The C(leaders) check uses the same percent for the partitions a broker leads against its share.
    type: float
    default: 20
  imbalance_min_messages:
    description: Topics with fewer messages than this are not judged for imbalance on messages.
    type: int
    default: 100
  imbalance_min_bytes:
    description:
      - Topics of at least this many bytes (the partitions' leaders' log directories, from DescribeLogDirs) are
        judged for imbalance on bytes; smaller ones, and topics whose sizes are unknown, on messages (end minus
        start offsets).
    type: int
    default: 1048576
  fail_on:
    description: Fail the task when the overall status reaches this level.
    type: str
    choices: [critical, warning, never]
    default: critical
  wait_for:
    description: Poll until the overall status is this good (C(ok), or C(warning) to accept warnings).
    type: str
    choices: [ok, warning]
  wait_timeout:
    description: Seconds O(wait_for) polls before giving up and reporting the last result.
    type: int
    default: 120
  wait_interval:
    description: Seconds between polls.
    type: int
    default: 5
seealso:
  - module: k2.kafka_ops.kafka_consumer_group_info
  - module: k2.kafka_ops.kafka_topic_info
'''

EXAMPLES = r'''
- name: Check K2 health with the runbook's thresholds
  k2.kafka_ops.kafka_health:
    bootstrap_servers: 127.0.0.1:9092
    schema_registry_urls:
      - http://127.0.0.1:8081/apis/ccompat/v7
      - http://127.0.0.1:8082/apis/ccompat/v7
    topics_config: config/kafka/topics.yaml
  register: health

- name: Print the summary
  ansible.builtin.debug:
    msg: "{{ health.summary }}"

- name: Wait until healthy after a restart
  k2.kafka_ops.kafka_health:
    checks: [kafka, partitions, registry]
    wait_for: ok
    wait_timeout: 180
'''

RETURN = r'''
status:
  description: The worst status of all findings.
  returned: always
  type: str
  sample: warning
findings:
  description: Every check's result.
  returned: always
  type: list
  elements: dict
  sample:
    - {check: lag, status: warning, subject: k2-iceberg-writer, value: 1200, threshold: 1000,
       message: "group k2-iceberg-writer (STABLE) is 1200 message(s) behind: market.equities.trades.asx 1200"}
summary:
  description: Lines for a person, the verdict first.
  returned: always
  type: list
  elements: str
kafka:
  description: Cluster facts (cluster_id, controller_id, brokers, topic_count, under_replicated, offline, under_min_isr).
  returned: always
  type: dict
registries:
  description: Per URL, reachable, latency_ms, subject_count, global_compatibility, missing_subjects.
  returned: always
  type: list
  elements: dict
attempts:
  description: How many times the checks ran (more than one with O(wait_for)).
  returned: always
  type: int
partition_bytes:
  description:
    - Bytes of each managed topic's partitions on their leaders' log directories (DescribeLogDirs), by topic and
      partition; read when the C(imbalance) or C(disk) check runs. Empty when the brokers could not be asked.
  returned: always
  type: dict
  sample: {market.equities.trades.asx: {"0": 1048576, "1": 1032192}}
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module
from ansible_collections.k2.kafka_ops.plugins.module_utils.health import CHECKS


OPTIONS = dict(
    checks=dict(type='list', elements='str', choices=CHECKS, default=list(CHECKS)),
    topics_config=dict(type='raw'),
    managed_pattern=dict(type='str', default=r'^market\.'),
    expected_brokers=dict(type='int'),
    consumer_groups=dict(type='list', elements='str'),
    consumer_group_pattern=dict(type='str'),
    lag_warning=dict(type='int', default=1000),
    lag_critical=dict(type='int', default=5000),
    lag_critical_for=dict(type='int', default=300),
    rate_spike_factor=dict(type='float', default=3.0),
    rate_min=dict(type='float', default=1.0),
    rate_interval=dict(type='int', default=0),
    rate_baseline_window=dict(type='int', default=3600),
    state_file=dict(type='path'),
    prometheus_file=dict(type='path'),
    disks=dict(type='list', elements='dict', options=dict(
        host=dict(type='str'), path=dict(type='str'), mount=dict(type='str'), filesystem=dict(type='str'),
        total_bytes=dict(type='int'),
        used_bytes=dict(type='int'), available_bytes=dict(type='int'), error=dict(type='str'))),
    disk_warning=dict(type='float', default=70),
    disk_critical=dict(type='float', default=90),
    imbalance_warning=dict(type='float', default=20),
    imbalance_min_messages=dict(type='int', default=100),
    imbalance_min_bytes=dict(type='int', default=1048576),
    fail_on=dict(type='str', default='critical', choices=['critical', 'warning', 'never']),
    wait_for=dict(type='str', choices=['ok', 'warning']),
    wait_timeout=dict(type='int', default=120),
    wait_interval=dict(type='int', default=5),
)


def main():
    run_module(OPTIONS, services.kafka_health, requires=services.kafka_health_needs)


if __name__ == '__main__':
    main()
