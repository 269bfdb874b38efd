# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consumer groups: state, members, committed offsets, log-end offsets and lag."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import INT32_MAX, INT64_MAX, topic_name_problem


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


def _wanted(offsets, where):
    wanted = {}
    for index, item in enumerate(offsets or []):
        try:
            key, value = (str(item['topic']), int(item['partition'])), int(item['offset'])
        except (KeyError, TypeError, ValueError):
            raise K2Error('%soffsets[%d]: expected {topic, partition, offset} with integers, got %r'
                          % (where, index, item))
        if not 0 <= value <= INT64_MAX:
            raise K2Error('%soffsets[%d]: offset must be from 0 to %d (Kafka\'s int64), got %d'
                          % (where, index, INT64_MAX, value))
        if not 0 <= key[1] <= INT32_MAX:
            raise K2Error('%soffsets[%d]: partition must be from 0 to %d, got %d' % (where, index, INT32_MAX, key[1]))
        problem = topic_name_problem(key[0])
        if problem:
            raise K2Error('%soffsets[%d].topic: %s' % (where, index, problem))
        wanted[key] = value
    return wanted


def set_groups_offsets(admin, requests, check_mode=False, batch=True):
    """Commit offsets for many groups ([{group, offsets: [{topic, partition, offset}]}]) with one describe, one
    offsets read and one commit. Only what differs is committed. A group with active members is left alone and
    reported as skipped (its consumers own their offsets). Every entry is checked before anything is read."""
    wanted = {}
    for index, request in enumerate(requests):
        where = 'groups[%d].' % index if batch else ''
        if not request.get('group'):
            raise K2Error('%sgroup: expected a consumer group id, got %r' % (where, request.get('group')))
        wanted.setdefault(request['group'], {}).update(_wanted(request.get('offsets'), where))
    names = list(wanted)
    described = admin.describe_groups(names) if names else {}
    current = admin.group_offsets(names) if names else {}
    results, changes = [], {}
    for group in names:
        state = described.get(group, {'state': 'UNKNOWN', 'members': []})
        have = current.get(group, {})
        before = dict(('%s-%d' % key, have[key]) for key in sorted(wanted[group]) if key in have)
        result = {'group': group, 'state': state['state'], 'changed': False, 'skipped': False, 'before': before,
                  'after': dict(before)}
        results.append(result)
        if state['members']:
            result.update(skipped=True, msg='group %s has %d active member(s); offsets are left to them'
                          % (group, len(state['members'])))
            continue
        change = dict((key, value) for key, value in wanted[group].items() if have.get(key) != value)
        result['after'].update(('%s-%d' % key, value) for key, value in change.items())
        result['changed'] = bool(change)
        if change:
            changes[group] = change
    if changes and not check_mode:
        errors = dict((g, e) for g, e in admin.alter_group_offsets(changes).items() if e)
        if errors:
            failed = '; '.join('group %s: %s' % kv for kv in sorted(errors.items()))
            raise K2Error('could not set the offsets of %s' % failed, groups=results)
    return results


def set_group_offsets(admin, group, offsets, check_mode=False):
    """One group's offsets (set_groups_offsets for one group)."""
    return set_groups_offsets(admin, [{'group': group, 'offsets': offsets}], check_mode, batch=False)[0]
