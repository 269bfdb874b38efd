# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that keep the playbooks declarative: topics.yaml expansion, editing, and backup/restore planning."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.k2.kafka_ops.plugins.module_utils import backup, config_edit
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


def k2_topic_lines(topics):
    """One readable line per kafka_topic_info topic: name, partitions, replication factor, config overrides."""
    return ['%s: %d partitions, replication factor %d%s' % (
        t['name'], t['partitions'], t['replication_factor'],
        ', ' + ', '.join('%s=%s' % kv for kv in sorted((t.get('config') or {}).items())) if t.get('config') else '')
        for t in topics]


def k2_topics_named(names, **fields):
    """[{name: n, **fields}] for kafka_topic's topics option, e.g. names | k2_topics_named(partitions=40)."""
    return [dict(fields, name=name) for name in names]


class FilterModule(object):
    def filters(self):
        return dict((name, _wrap(name, fn)) for name, fn in (
            ('k2_topics', k2_topics),
            ('k2_subjects', k2_subjects),
            ('k2_topic_lines', k2_topic_lines),
            ('k2_topics_named', k2_topics_named),
            ('k2_add_exchange', config_edit.add_exchange),
            ('k2_exchange_difference', config_edit.exchange_difference),
            ('k2_set_exchange_partitions', config_edit.set_exchange_partitions),
            ('k2_manifest_problems', backup.manifest_problems),
            ('k2_restore_topics', backup.restore_topics),
            ('k2_restore_versions', backup.restore_versions),
            ('k2_id_map', backup.id_map),
            ('k2_backup_differences', backup.backup_differences),
        ))
