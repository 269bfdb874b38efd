# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that keep the playbooks declarative: topics.yaml expansion, editing, and backup/restore planning."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.k2.kafka_ops.plugins.module_utils import backup, config_edit, health, plan, restore, scan, site
from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import subject_specs, topic_specs


def _wrap(name, fn):
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except K2Error as exc:
            raise AnsibleFilterError('%s: %s' % (name, exc))
    run.__name__ = name
    return run


def k2_topics(data, asset_class=None, exchange=None, data_type=None):
    return topic_specs(data, asset_class=asset_class or None, exchange=exchange or None, data_type=data_type or None)


def k2_subjects(data, asset_class=None, data_type=None):
    return subject_specs(data, asset_class=asset_class or None, data_type=data_type or None)


def k2_subject_entries(data, schemas_dir, asset_class=None, data_type=None):
    """schema_subject's `subjects` for a site: each subject with its .avsc text read here, on the controller."""
    texts, out = {}, []
    for spec in subject_specs(data, asset_class=asset_class or None, data_type=data_type or None):
        name = spec['schema_name']
        if name not in texts:
            path = os.path.join(schemas_dir, name + '.avsc')
            try:
                with open(path) as handle:
                    texts[name] = handle.read()
            except (IOError, OSError) as exc:
                raise K2Error('subject %s needs the schema file %s, which cannot be read (%s). Put %s.avsc in '
                              'the schemas folder, or point k2_schemas_dir (the site role: k2_platform_dir/src/'
                              'k2/schemas) at the folder that has it' % (spec['subject'], path,
                                                                         exc.strerror or exc, name))
        entry = {'subject': spec['subject'], 'schema': texts[name]}
        if spec.get('compatibility'):
            entry['compatibility'] = spec['compatibility']
        out.append(entry)
    return out


def k2_topic_lines(topics):
    """One readable line per kafka_topic_info topic: name, partitions, replication factor, config overrides."""
    return ['%s: %d partitions, replication factor %d%s' % (
        t['name'], t['partitions'], t['replication_factor'],
        ', ' + ', '.join('%s=%s' % kv for kv in sorted((t.get('config') or {}).items())) if t.get('config') else '')
        for t in topics]


def k2_topics_named(names, **fields):
    """[{name: n, **fields}] for kafka_topic's topics option, e.g. names | k2_topics_named(partitions=40)."""
    return [dict(fields, name=name) for name in names]


def k2_lag_lines(groups):
    """One line per consumer group (kafka_consumer_group_info), most lag first, with its worst topics."""
    out = []
    for group in sorted(groups, key=lambda g: -g['lag']):
        worst = sorted(group['lag_per_topic'].items(), key=lambda kv: -kv[1])[:3]
        out.append('%s (%s, %d members): lag %d%s' % (group['group_id'], group['state'], len(group['members']),
                                                      group['lag'], ''.join('; %s %d' % kv for kv in worst)))
    return out or ['no consumer groups']


def k2_partition_table(topics):
    """Hot-partition table lines from kafka_topic_info(offsets=true): messages, share and a bar per partition."""
    lines = []
    for topic in topics:
        counts = [p.get('messages', 0) for p in topic['partition_details']]
        total = sum(counts) or 1
        mean = float(sum(counts)) / max(len(counts), 1)
        lines.append('%s: %d messages in %d partitions' % (topic['name'], sum(counts), len(counts)))
        for part, count in zip(topic['partition_details'], counts):
            above = (count - mean) / mean * 100 if mean else 0.0
            lines.append('  p%-4d %10d  %5.1f%%  %-20s%s' % (part['partition'], count, 100.0 * count / total,
                                                             '#' * int(round(20.0 * count / total)),
                                                             '  HOT (+%.0f%%)' % above if above > 20 else ''))
    return lines


def k2_service_control(host_vars, host, action):
    """How to act on one service host: hostvars[host] | k2_service_control(host, 'restart')."""
    return site.service_commands(dict((k, host_vars[k]) for k in host_vars if str(k).startswith('k2_')), host, action)


def k2_service_views(hosts, hostvars, actions=('status', 'logs')):
    """hosts | k2_service_views(hostvars): the commands that show each service host's status and log."""
    return site.service_views(list(hosts), _k2_vars(hostvars, hosts), actions)


def _k2_vars(hostvars, hosts):
    """{host: {k2_* variables}} from Ansible's hostvars (templated on access)."""
    return dict((h, dict((k, hostvars[h][k]) for k in hostvars[h] if str(k).startswith('k2_'))) for h in hosts)


def k2_down_brokers(hosts, hostvars, cluster):
    """groups['kafka_broker'] | k2_down_brokers(hostvars, kafka_cluster_info result)."""
    return site.down_brokers(list(hosts), _k2_vars(hostvars, hosts), cluster)


def k2_down_registries(hosts, hostvars, registry):
    """groups['schema_registry'] | k2_down_registries(hostvars, schema_registry_info result)."""
    return site.down_registries(list(hosts), _k2_vars(hostvars, hosts), registry)


def k2_cluster_hosts(groups, names, hostvars, admin_host, with_var=None):
    """groups | k2_cluster_hosts(['kafka_broker'], hostvars, inventory_hostname): the hosts of those groups (in
    that order; a group the inventory lacks has none) in admin_host's cluster; with_var keeps only the hosts
    that set that variable."""
    hosts = []
    for name in [names] if isinstance(names, str) else names:
        hosts.extend(h for h in groups.get(name) or [] if h not in hosts)
    per_host = _k2_vars(hostvars, hosts)
    chosen = site.cluster_hosts(hosts, per_host, admin_host, groups.get('kafka_admin') or [admin_host])
    return [h for h in chosen if not with_var or per_host[h].get(with_var) not in (None, '')]


def k2_health_lines(hosts, hostvars):
    """One line per cluster of the run from each kafka_admin host's k2_health (the health role's result)."""
    out = []
    for host in hosts:
        health = hostvars[host].get('k2_health') or {}
        kafka = health.get('kafka') or {}
        out.append('%s (%s): %s%s' % (host, kafka.get('cluster_id') or 'id unknown', str(health.get('status', 'not checked')).upper(),
                                      ' - ' + health['summary'][0] if health.get('summary') else ''))
    return out


def k2_plan(results, cluster_id, playbook, host, request=None, topics_file=None, schemas_dir=None, created=None):
    """The change plan of one cluster from the playbook's registered check-mode results (module_utils/plan.py)."""
    return plan.build_plan(results, cluster_id, playbook, host, request, topics_file, schemas_dir, created)


def k2_subjects_named(names, **fields):
    """[{subject: n, **fields}] for schema_subject's subjects option, e.g. names | k2_subjects_named(state='absent')."""
    return [dict(fields, subject=name) for name in names]


class FilterModule(object):
    def filters(self):
        return dict((name, _wrap(name, fn)) for name, fn in (
            ('k2_topics', k2_topics),
            ('k2_subjects', k2_subjects),
            ('k2_subject_entries', k2_subject_entries),
            ('k2_topic_lines', k2_topic_lines),
            ('k2_topics_named', k2_topics_named),
            ('k2_subjects_named', k2_subjects_named),
            ('k2_cluster_hosts', k2_cluster_hosts),
            ('k2_health_lines', k2_health_lines),
            ('k2_plan', k2_plan),
            ('k2_plan_markdown', plan.plan_markdown),
            ('k2_plan_drift', plan.plan_drift),
            ('k2_data_loss_report', scan.loss_report),
            ('k2_df_usage', health.df_usage),
            ('k2_lag_lines', k2_lag_lines),
            ('k2_partition_table', k2_partition_table),
            ('k2_exchange_plan', config_edit.exchange_plan),
            ('k2_raise_plan', config_edit.raise_plan),
            ('k2_site_defaults', site.site_defaults),
            ('k2_service_control', k2_service_control),
            ('k2_service_views', k2_service_views),
            ('k2_service_lines', site.service_lines),
            ('k2_down_brokers', k2_down_brokers),
            ('k2_down_registries', k2_down_registries),
            ('k2_manifest_problems', backup.manifest_problems),
            ('k2_restore_plan', restore.restore_plan),
            ('k2_id_map', restore.id_map),
            ('k2_backup_content', backup.backup_content),
            ('k2_backup_differences', backup.backup_differences),
        ))
