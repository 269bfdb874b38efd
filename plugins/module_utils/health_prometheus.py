# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kafka_health's result in Prometheus' text format, written as a textfile for node-exporter's collector."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import RANK


def _label(value):
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def prometheus_text(result, now=None):
    """The findings in Prometheus' text format, for node-exporter's textfile collector: the overall status, each
    finding's status and value, and each consumer group's lag per topic under the lag exporter's own name
    (kafka_consumergroup_lag), so the alert rules of monitoring/prometheus work without that exporter."""
    cluster = _label((result.get('kafka') or {}).get('cluster_id') or '')
    lines = ['# HELP k2_health_status Overall K2 health: 0 ok, 1 warning, 2 critical.',
             '# TYPE k2_health_status gauge',
             'k2_health_status{cluster="%s"} %d' % (cluster, RANK[result['status']]),
             '# HELP k2_health_finding_status Each finding of kafka_health: 0 ok, 1 warning, 2 critical.',
             '# TYPE k2_health_finding_status gauge']
    seen, values = set(), []
    for f in result['findings']:
        key = (f['check'], str(f['subject']))
        if key in seen:
            continue
        seen.add(key)
        labels = 'cluster="%s",check="%s",subject="%s"' % (cluster, _label(f['check']), _label(f['subject']))
        lines.append('k2_health_finding_status{%s} %d' % (labels, RANK[f['status']]))
        if isinstance(f.get('value'), (int, float)) and not isinstance(f.get('value'), bool):
            values.append('k2_health_finding_value{%s} %s' % (labels, f['value']))
    lines += ['# HELP k2_health_finding_value The value each finding judged (lag, percent, count).',
              '# TYPE k2_health_finding_value gauge'] + values
    lags = result.get('lag_per_topic') or {}
    if lags:
        lines += ['# HELP kafka_consumergroup_lag Messages a consumer group is behind, per topic (kafka_health).',
                  '# TYPE kafka_consumergroup_lag gauge']
        for group in sorted(lags):
            for topic, lag in sorted(lags[group].items()):
                lines.append('kafka_consumergroup_lag{consumergroup="%s",topic="%s"} %d'
                             % (_label(group), _label(topic), lag))
    sizes = result.get('partition_bytes') or {}
    if sizes:
        lines += ['# HELP k2_partition_size_bytes Bytes of each managed partition on its leader (DescribeLogDirs).',
                  '# TYPE k2_partition_size_bytes gauge']
        for topic in sorted(sizes):
            for partition, size in sorted(sizes[topic].items(), key=lambda kv: int(kv[0])):
                lines.append('k2_partition_size_bytes{cluster="%s",topic="%s",partition="%s"} %d'
                             % (cluster, _label(topic), partition, size))
    lines += ['# HELP k2_health_last_run_timestamp_seconds When kafka_health last ran.',
              '# TYPE k2_health_last_run_timestamp_seconds gauge',
              'k2_health_last_run_timestamp_seconds %d' % int(now or time.time())]
    return '\n'.join(lines) + '\n'


def write_prometheus(path, result):
    """Write the textfile atomically (node-exporter may read it at any moment)."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(folder):
            os.makedirs(folder)
        tmp = '%s.%d.tmp' % (path, os.getpid())
        with open(tmp, 'w') as handle:
            handle.write(prometheus_text(result))
        os.rename(tmp, path)
    except (IOError, OSError) as exc:
        raise K2Error('prometheus_file: cannot write %s (%s); make its folder writable or set another path'
                      % (path, exc))
