# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change plans: what a mutating playbook would do to one cluster. Each mutating module returns its plan items
(`plan`: kind, name, action, before, after, warnings; built here); a playbook's plan is the items of its
check-mode results, written for a reviewer (Markdown) and a machine (JSON), and compared again before the
approved plan is applied."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import hashlib
import json
import os

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.version import COLLECTION_VERSION

PLAN_FORMAT = 1
KINDS = ('topic', 'subject', 'group')
TITLES = {'topic': 'Topics', 'subject': 'Schema Registry subjects', 'group': 'Consumer group offsets'}


def _topic_warnings(item):
    out = []
    actions = item['actions']
    before, after = item.get('before') or {}, item.get('after') or {}
    if 'raise_partitions' in actions:
        out.append('keys move to new partitions: records of an existing key go to another partition from now on, '
                   'so consumers see that key restart there')
    if 'alter_config' in actions:
        old, new = before.get('config') or {}, after.get('config') or {}
        if old.get('retention.ms') and new.get('retention.ms') and int(new['retention.ms']) < int(old['retention.ms']):
            out.append('retention.ms drops from %s to %s: older records are purged'
                       % (old['retention.ms'], new['retention.ms']))
        if old.get('cleanup.policy', 'delete') != new.get('cleanup.policy', old.get('cleanup.policy', 'delete')):
            out.append('cleanup.policy changes: old records are removed differently from now on')
    if 'delete' in actions:
        out.append('the topic and every record in it are deleted')
    return out


def topic_items(result):
    """kafka_topic's plan items: one per topic it changes."""
    return [{'kind': 'topic', 'name': t['name'], 'action': '+'.join(t['actions']), 'before': t.get('before'),
             'after': t.get('after'), 'warnings': _topic_warnings(t)}
            for t in result.get('topics') or [] if t.get('actions')]


def subject_items(result):
    """schema_subject's plan items: one per subject entry it changes."""
    items = []
    for entry in result.get('subjects') or []:
        if not entry.get('changed'):
            continue
        actions = entry.get('actions') or []
        warnings = []
        if 'register' in actions:
            warnings.append('a new schema version: producers may write it, so consumers must read it '
                            '(compatibility %s)' % (entry.get('compatibility') or 'as set'))
        if 'hard_delete' in actions:
            warnings.append('hard delete: records that carry its schema ids cannot be decoded any more')
        after = dict((k, entry[k]) for k in ('compatibility', 'id', 'version') if entry.get(k) is not None)
        items.append({'kind': 'subject', 'name': entry['subject'], 'action': '+'.join(actions),
                      'before': {'latest_version': entry.get('latest_version'),
                                 'versions': entry.get('deleted_versions')}, 'after': after,
                      'warnings': warnings})
    return items


def group_items(result):
    """kafka_consumer_group's plan items: one per group whose offsets it sets."""
    return [{'kind': 'group', 'name': g['group'], 'action': 'set_offsets', 'before': g.get('before'),
             'after': g.get('after'), 'warnings': ['the group\'s consumers resume from these offsets']}
            for g in result.get('groups') or [] if g.get('changed')]


def result_items(results):
    """The plan items of a playbook's check-mode results (each module result's `plan`; a skipped task has none)."""
    items = []
    for result in results or []:
        if not isinstance(result, dict) or result.get('skipped'):
            continue
        for item in result.get('plan') or []:
            if not isinstance(item, dict) or item.get('kind') not in KINDS:
                raise K2Error('plan item %r: kind must be one of %s (a k2.kafka_ops module\'s `plan`)'
                              % (item, ', '.join(KINDS)))
            items.append(item)
    return items


def _sha256_file(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def site_inputs(topics_file=None, schemas_dir=None):
    """sha256 of topics.yaml and of each schema file, so an apply notices that the site changed since the plan."""
    out = {}
    if topics_file:
        out['topics_yaml_sha256'] = _sha256_file(topics_file) if os.path.isfile(topics_file) else None
    if schemas_dir:
        out['schemas_sha256'] = dict((os.path.basename(p), _sha256_file(p))
                                     for p in sorted(glob.glob(os.path.join(schemas_dir, '*.avsc'))))
    return out


def _plain(value):
    """Request values as text, so `-e partitions=4` and `-e '{"partitions": 4}'` make the same plan."""
    if isinstance(value, dict):
        return dict((str(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    return str(value)


def build_plan(results, cluster_id, playbook, host, request=None, topics_file=None, schemas_dir=None, created=None):
    """The plan of one cluster from the playbook's registered check-mode results."""
    items = result_items(results)
    counts = {}
    for item in items:
        key = '%s %s' % (item['kind'], item['action'])
        counts[key] = counts.get(key, 0) + 1
    out = {'format': PLAN_FORMAT, 'playbook': playbook, 'inventory_host': host, 'cluster_id': cluster_id,
           'created_utc': created, 'collection_version': COLLECTION_VERSION,
           'inputs': dict(site_inputs(topics_file, schemas_dir), request=_plain(request or {})),
           'summary': counts, 'items': items}
    out['summary_line'] = summary_line(out)
    return out


def _cell(value):
    """A table cell: scalars as they are, a dict as k=v pairs (nested dicts in parentheses, last)."""
    if value in (None, '', {}, []):
        return '-'
    if isinstance(value, dict):
        pairs = sorted(((k, v) for k, v in value.items() if v not in (None, [], {})),
                       key=lambda kv: (isinstance(kv[1], dict), kv[0]))
        text = ', '.join('%s=(%s)' % (k, _cell(v)) if isinstance(v, dict) else '%s=%s' % (k, _cell(v))
                         for k, v in pairs)
        return text or '-'
    if isinstance(value, list):
        return ' '.join(_cell(v) for v in value)
    return str(value).replace('|', '\\|')


def summary_line(plan):
    return ', '.join('%d %s' % (n, k) for k, n in sorted(plan['summary'].items())) or 'no changes'


def plan_markdown(plan):
    """The plan as a change request: a summary line with counts per action, then one table per kind."""
    items = plan['items']
    summary = summary_line(plan)
    lines = ['# Change plan: %s on %s' % (plan['playbook'], plan['inventory_host']), '',
             '**%s**' % summary, '',
             '- cluster: `%s`' % plan['cluster_id'],
             '- created: %s by k2.kafka_ops %s' % (plan.get('created_utc') or '-', plan['collection_version'])]
    inputs = plan['inputs']
    if inputs.get('topics_yaml_sha256'):
        lines.append('- topics.yaml sha256: `%s`' % inputs['topics_yaml_sha256'])
    if inputs.get('request'):
        lines.append('- request: %s' % ', '.join('`%s=%s`' % (k, json.dumps(v, sort_keys=True))
                                                 for k, v in sorted(inputs['request'].items())))
    lines.append('- apply exactly this plan: rerun the playbook without `--check`, with '
                 '`-e k2_plan_file=<this folder>/plan.json`')
    for kind in KINDS:
        rows = [i for i in items if i['kind'] == kind]
        if not rows:
            continue
        lines += ['', '## %s (%d)' % (TITLES[kind], len(rows)), '', '| %s | action | before | after | warnings |'
                  % kind, '|---|---|---|---|---|']
        lines += ['| %s | %s | %s | %s | %s |'
                  % (_cell(i['name']), i['action'], _cell(i['before']), _cell(i['after']),
                     '; '.join(i['warnings']) or '-') for i in rows]
    if not items:
        lines += ['', 'Nothing to change: applying this plan is a no-op.']
    return '\n'.join(lines) + '\n'


def _keyed(items):
    return dict(((i['kind'], i['name']), i) for i in items)


def plan_drift(approved, now):
    """What differs between the approved plan and the plan computed now ([] when the apply may go ahead)."""
    if approved in (None, {}):
        return ['there is no approved plan for %s (cluster %s); make one with --check -e k2_plan_dir=<folder>'
                % (now['inventory_host'], now['cluster_id'])]
    if not isinstance(approved, dict) or approved.get('format') != PLAN_FORMAT or 'items' not in approved:
        return ['the approved plan is not a k2.kafka_ops plan file (format %d); make one with --check -e '
                'k2_plan_dir=<folder>' % PLAN_FORMAT]
    out = []
    if approved.get('cluster_id') != now['cluster_id']:
        return ['another cluster: the plan was made for cluster %s, this is cluster %s (%s)'
                % (approved.get('cluster_id'), now['cluster_id'], now['inventory_host'])]
    if approved.get('playbook') != now['playbook']:
        out.append('another procedure: the plan was made by %s, this is %s'
                   % (approved.get('playbook'), now['playbook']))
    old_in, new_in = approved.get('inputs') or {}, now['inputs']
    if old_in.get('topics_yaml_sha256') != new_in.get('topics_yaml_sha256'):
        out.append('topics.yaml changed since the plan (sha256 %s, now %s)'
                   % (old_in.get('topics_yaml_sha256'), new_in.get('topics_yaml_sha256')))
    old_schemas, new_schemas = old_in.get('schemas_sha256') or {}, new_in.get('schemas_sha256') or {}
    for name in sorted(set(old_schemas) | set(new_schemas)):
        if old_schemas.get(name) != new_schemas.get(name):
            out.append('schema file %s changed since the plan' % name)
    old_req, new_req = old_in.get('request') or {}, new_in.get('request') or {}
    for key in sorted(set(old_req) | set(new_req)):
        if old_req.get(key) != new_req.get(key):
            out.append('request %s: the plan has %s, this run %s' % (key, json.dumps(old_req.get(key)),
                                                                     json.dumps(new_req.get(key))))
    planned, current = _keyed(approved['items']), _keyed(now['items'])
    for key in sorted(set(planned) | set(current)):
        was, now_item = planned.get(key), current.get(key)
        label = '%s %s' % key
        if now_item is None:
            out.append('the cluster drifted: %s was planned to %s, and now needs nothing (the plan was applied '
                       'already, or someone made the change)' % (label, was['action']))
        elif was is None:
            out.append('the cluster drifted: %s now needs %s (%s -> %s), which the plan does not have'
                       % (label, now_item['action'], _cell(now_item['before']), _cell(now_item['after'])))
        elif (was['action'], was['before'], was['after']) != (now_item['action'], now_item['before'],
                                                              now_item['after']):
            out.append('the cluster drifted: %s was planned as %s (%s -> %s), now %s (%s -> %s)'
                       % (label, was['action'], _cell(was['before']), _cell(was['after']), now_item['action'],
                          _cell(now_item['before']), _cell(now_item['after'])))
    return out
