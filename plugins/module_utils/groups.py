# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consumer groups: state, members, committed offsets, log-end offsets and lag."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern


def select_groups(admin, names=None, pattern=None):
    if names:
        return sorted(set(names))
    regex = compile_pattern(pattern)
    return [g['group_id'] for g in admin.list_groups() if regex is None or regex.search(g['group_id'])]


def lag_table(committed, log_end):
    """Per-partition rows and totals from {(t, p): committed} and {(t, p): end}. Pure, for unit tests."""
    rows = []
    for (topic, partition), offset in sorted(committed.items()):
        end = log_end.get((topic, partition))
        rows.append({'topic': topic, 'partition': partition, 'committed_offset': offset, 'log_end_offset': end,
                     'lag': max(end - offset, 0) if end is not None else None})
    per_topic = {}
    for row in rows:
        per_topic[row['topic']] = per_topic.get(row['topic'], 0) + (row['lag'] or 0)
    return rows, per_topic, sum(per_topic.values())


def group_info(admin, names=None, pattern=None):
    """Describe groups with offsets and lag; three batched requests plus one offsets request per group."""
    group_ids = select_groups(admin, names, pattern)
    described = admin.describe_groups(group_ids)
    committed = admin.group_offsets(group_ids)
    partitions = sorted(set(tp for offsets in committed.values() for tp in offsets))
    log_end = admin.list_offsets(partitions, 'latest') if partitions else {}
    groups = []
    for group in group_ids:
        rows, per_topic, total = lag_table(committed.get(group, {}), log_end)
        desc = described.get(group, {'state': 'UNKNOWN', 'members': []})
        groups.append({'group_id': group, 'state': desc['state'], 'members': desc['members'],
                       'partitions': rows, 'lag_per_topic': per_topic, 'lag': total})
    return {'groups': groups}


def set_group_offsets(admin, group, offsets, check_mode=False):
    """Commit `offsets` ([{topic, partition, offset}]) for a group with no active members; only what differs.
    A group with members is left alone and reported as skipped: its consumers own their offsets."""
    wanted = {}
    for index, item in enumerate(offsets):
        try:
            key, value = (str(item['topic']), int(item['partition'])), int(item['offset'])
        except (KeyError, TypeError, ValueError):
            raise K2Error('offsets[%d]: expected {topic, partition, offset} with integers, got %r' % (index, item))
        if value < 0:
            raise K2Error('offsets[%d]: offset must be 0 or more, got %d' % (index, value))
        wanted[key] = value
    described = admin.describe_groups([group]).get(group, {'state': 'UNKNOWN', 'members': []})
    current = admin.group_offsets([group]).get(group, {})
    before = dict(('%s-%d' % key, current[key]) for key in sorted(wanted) if key in current)
    result = {'group': group, 'state': described['state'], 'changed': False, 'skipped': False, 'before': before,
              'after': dict(before)}
    if described['members']:
        result.update(skipped=True, msg='group %s has %d active member(s); offsets are left to them'
                      % (group, len(described['members'])))
        return result
    changes = dict((key, value) for key, value in wanted.items() if current.get(key) != value)
    result['after'].update(('%s-%d' % key, value) for key, value in changes.items())
    result['changed'] = bool(changes)
    if changes and not check_mode:
        errors = dict((g, e) for g, e in admin.alter_group_offsets({group: changes}).items() if e)
        if errors:
            raise K2Error('could not set the offsets of group %s: %s' % (group, errors[group]), before=before)
    return result
