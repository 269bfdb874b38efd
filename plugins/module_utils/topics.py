# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The topic planner: compare requested topics with the cluster, refuse unsafe requests as a whole,
then apply the difference in batches (create, raise partitions, alter configs, delete)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import TOPIC_EXISTS
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import (config_problem, config_value,
                                                                                count_problem, topic_name_problem)

INTERNAL_RE = re.compile(r'^(__.*|_schemas|_confluent.*|kafkasql-journal)$')


def is_internal(name):
    return bool(INTERNAL_RE.match(name))


def normalize_specs(items, default_state='present', label='topics'):
    """Validate requested topics as a whole. Returns [{name, partitions, replication_factor, config, state}]."""
    errors, specs, seen = [], [], {}
    for index, item in enumerate(items):
        where = '%s[%d]' % (label, index) if label else ''
        field = (where + '.') if where else ''
        name = item.get('name')
        problem = topic_name_problem(name)
        if problem:
            errors.append('%sname: %s' % (field, problem))
            continue
        if name in seen:
            errors.append('%sname: topic %s is listed twice (also at %s[%d]); list each topic once'
                          % (field, name, label, seen[name]))
            continue
        seen[name] = index
        state = item.get('state') or default_state
        spec = {'name': name, 'state': state, 'partitions': item.get('partitions'),
                'replication_factor': item.get('replication_factor'), 'config': {}}
        for key in ('partitions', 'replication_factor'):
            if spec[key] is not None and count_problem(key, spec[key]):
                errors.append('%s%s: topic %s: %s' % (field, key, name, count_problem(key, spec[key])))
        for key, value in sorted((item.get('config') or {}).items()):
            if config_problem(key, value):
                errors.append('%sconfig.%s: topic %s: %s' % (field, key, name, config_problem(key, value)))
            spec['config'][key] = config_value(value)
        if state == 'absent' and is_internal(name):
            errors.append('%sname: %s is an internal topic (__*, _schemas, _confluent*, kafkasql-journal) and is '
                          'never deleted by this module' % (field, name))
        specs.append(spec)
    if errors:
        raise K2Error('invalid request, nothing was changed: %s' % '; '.join(errors), errors=errors)
    return specs


def _state(desc, configs):
    if desc is None:
        return None
    return {'partitions': desc['partitions'], 'replication_factor': desc['replication_factor'],
            'config': dict((k, e['value']) for k, e in sorted(configs.items()) if e['override'])}


def plan(specs, live, live_configs, config_mode='merge', replication_factor_mismatch='fail'):
    """Pure comparison. Returns (items, errors, warnings); an item has name, action(s), before, after, change."""
    known_keys = set()
    for configs in live_configs.values():
        known_keys.update(configs)
    items, errors, warnings = [], [], []
    for spec in specs:
        name, desc = spec['name'], live.get(spec['name'])
        configs = live_configs.get(name, {})
        before = _state(desc, configs)
        change, actions, after = {}, [], before
        if spec['state'] == 'absent':
            if desc is not None:
                actions, after = ['delete'], None
        elif desc is None:
            if spec['partitions'] is None:
                errors.append('topic %s does not exist and partitions is not set; give partitions to create it'
                              % name)
            unknown = sorted(k for k in spec['config'] if known_keys and k not in known_keys)
            if unknown:
                errors.append('topic %s: unknown config key%s %s; see the broker\'s topic configs'
                              % (name, 's' if len(unknown) > 1 else '', ', '.join(unknown)))
            actions = ['create']
            change['create'] = {'name': name, 'partitions': spec['partitions'],
                                'replication_factor': spec['replication_factor'], 'config': spec['config']}
            after = {'partitions': spec['partitions'], 'replication_factor': spec['replication_factor'],
                     'config': dict(sorted(spec['config'].items()))}
        else:
            after = dict(before, config=dict(before['config']))
            wanted = spec['partitions']
            if wanted is not None and wanted < desc['partitions']:
                errors.append('topic %s: partitions %d requested but it has %d; Kafka cannot decrease partitions. '
                              'Ask for %d or more (or delete and recreate the topic, losing its data)'
                              % (name, wanted, desc['partitions'], desc['partitions']))
            elif wanted is not None and wanted > desc['partitions']:
                actions.append('raise_partitions')
                change['partitions'] = wanted
                after['partitions'] = wanted
            rf = spec['replication_factor']
            if rf is not None and rf != desc['replication_factor']:
                text = ('topic %s: replication_factor %d requested but the live topic has %d; this module does not '
                        'reassign replicas (use kafka-reassign-partitions), fix topics.yaml or the topic'
                        % (name, rf, desc['replication_factor']))
                (errors if replication_factor_mismatch == 'fail' else warnings).append(text)
            sets, deletes = {}, []
            for key, value in sorted(spec['config'].items()):
                entry = configs.get(key)
                if entry is None:
                    errors.append('topic %s: unknown config key %s; see the broker\'s topic configs' % (name, key))
                elif entry['read_only']:
                    errors.append('topic %s: config key %s is read-only and cannot be set' % (name, key))
                elif entry['value'] != value:
                    sets[key] = value
            if config_mode == 'replace':
                deletes = sorted(k for k, e in configs.items() if e['override'] and k not in spec['config'])
            if sets or deletes:
                actions.append('alter_config')
                change['config'] = {'set': sets, 'delete': deletes}
                after['config'].update(sets)
                for key in deletes:
                    after['config'].pop(key, None)
        items.append({'name': name, 'action': actions[0] if actions else 'none', 'actions': actions,
                      'before': before, 'after': after, 'change': change})
    return items, errors, warnings


def _batches(items):
    creates = [i['change']['create'] for i in items if 'create' in i['change']]
    raises = dict((i['name'], i['change']['partitions']) for i in items if 'partitions' in i['change'])
    alters = dict((i['name'], i['change']['config']) for i in items if 'config' in i['change'])
    deletes = [i['name'] for i in items if i['action'] == 'delete']
    return creates, raises, alters, deletes


def _failures(*results):
    out = {}
    for result in results:
        out.update((name, msg) for name, msg in result.items() if msg)
    return out


def _summary(errors, limit=10):
    """'name: message; ...' for the first `limit` topics, and how many more (the full map is in topic_errors)."""
    shown = ['%s: %s' % kv for kv in sorted(errors.items())[:limit]]
    more = len(errors) - limit
    return '; '.join(shown) + ('; ... and %d more (see topic_errors)' % more if more > 0 else '')


def _read_plan_validate(admin, specs, config_mode, replication_factor_mismatch, wait):
    """Read the named topics, plan, and have the broker validate the plan. A topic the broker says exists
    but metadata did not show yet (just created elsewhere) is re-read until `wait` seconds have passed."""
    deadline = time.time() + wait
    while True:
        live = admin.describe_topics([s['name'] for s in specs])
        present = [s['name'] for s in specs if s['state'] == 'present' and s['name'] in live]
        live_configs = admin.describe_topic_configs(present) if present else {}
        items, errors, warnings = plan(specs, live, live_configs, config_mode, replication_factor_mismatch)
        if errors:
            raise K2Error('request refused, nothing was changed: %s' % '; '.join(errors), errors=errors,
                          topics=[_public(i) for i in items])
        creates, raises, alters, deletes = _batches(items)
        refused = _failures(admin.create_topics(creates, validate_only=True),
                            admin.create_partitions(raises, validate_only=True),
                            admin.alter_topic_configs(alters, validate_only=True))
        racing = [n for n, msg in refused.items() if getattr(msg, 'code', None) == TOPIC_EXISTS]
        if racing and time.time() < deadline:
            time.sleep(0.5)
            continue
        if refused:
            raise K2Error('the broker refused %d topic(s), nothing was changed: %s' % (len(refused), _summary(refused)),
                          topic_errors=refused, topics=[_public(i) for i in items])
        return items, warnings, (creates, raises, alters, deletes)


def reconcile(admin, specs, config_mode='merge', replication_factor_mismatch='fail', check_mode=False, wait=10):
    """Read, plan, validate the whole plan (locally, then with the broker), then apply it in batches."""
    items, warnings, batches = _read_plan_validate(admin, specs, config_mode, replication_factor_mismatch, wait)
    creates, raises, alters, deletes = batches
    result = {'topics': [_public(i) for i in items], 'warnings': warnings,
              'changed': any(i['actions'] for i in items)}
    if check_mode or not result['changed']:
        return result
    failed = _failures(admin.create_topics(creates), admin.create_partitions(raises),
                       admin.alter_topic_configs(alters), admin.delete_topics(deletes))
    if failed:
        applied = sorted(i['name'] for i in items if i['actions'] and i['name'] not in failed)
        raise K2Error('%d of %d topic change(s) failed: %s. Applied: %s' % (
            len(failed), len(failed) + len(applied), _summary(failed), ', '.join(applied[:10]) or 'none'),
            topic_errors=failed, applied=applied, topics=result['topics'], changed=bool(applied))
    return result


def _public(item):
    return dict((k, item[k]) for k in ('name', 'action', 'actions', 'before', 'after'))


def compact(topics):
    """The result's topics with before/after kept only where something changes."""
    return [t if t['actions'] else {'name': t['name'], 'action': t['action'], 'actions': t['actions']}
            for t in topics]


def topic_info(admin, names=None, pattern=None, include_internal=False, all_configs=False, offsets=False):
    """Describe topics chosen by name list or regex: partitions, replication, configs, leaders, ISR, offsets."""
    if names:
        chosen = sorted(set(names))
    else:
        regex = compile_pattern(pattern)
        chosen = [n for n in admin.list_topic_names() if (regex is None or regex.search(n)) and (include_internal or not is_internal(n))]
    live = admin.describe_topics(chosen)
    configs = admin.describe_topic_configs(sorted(live))
    earliest = latest = {}
    if offsets:
        parts = [(n, p['partition']) for n in sorted(live) for p in live[n]['partition_details']]
        earliest, latest = admin.list_offsets(parts, 'earliest'), admin.list_offsets(parts, 'latest')
    topics = []
    for name in sorted(live):
        desc = live[name]
        details = []
        for part in desc['partition_details']:
            entry = dict(part, under_replicated=len(part['isr']) < len(part['replicas']))
            if offsets:
                key = (name, part['partition'])
                entry.update(earliest_offset=earliest[key], latest_offset=latest[key],
                             messages=latest[key] - earliest[key])
            details.append(entry)
        topics.append({
            'name': name, 'partitions': desc['partitions'], 'replication_factor': desc['replication_factor'],
            'internal': is_internal(name),
            'config': dict((k, e['value']) for k, e in sorted(configs.get(name, {}).items())
                           if (all_configs or e['override']) and not e['sensitive']),
            'partition_details': details,
        })
    return {'topics': topics, 'missing': [n for n in chosen if n not in live]}
