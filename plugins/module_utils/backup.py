# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of backup and restore: what a restore asks for, in which order, and what still differs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern


def manifest_problems(files, stats):
    """What is wrong with a backup: `files` is the manifest's {path: sha256}, `stats` the registered results of
    ansible.builtin.stat over those paths (item = path). [] when every file is there and matches."""
    problems = []
    seen = dict((r['item'], r.get('stat') or {}) for r in stats)
    for path, digest in sorted(files.items()):
        stat = seen.get(path, {})
        if not stat.get('exists'):
            problems.append('%s: missing' % path)
        elif stat.get('checksum') != digest:
            problems.append('%s: sha256 %s, the manifest says %s' % (path, stat.get('checksum'), digest))
    for required in ('topics.json', 'subjects.json'):
        if required not in files:
            problems.append('%s: not in the manifest' % required)
    return problems


def restore_topics(backup_topics, live_topics):
    """kafka_topic specs that create missing topics and raise lower partition counts, never shrink; plus the
    conflicts to report (live has more partitions, another replication factor)."""
    live = dict((t['name'], t) for t in live_topics)
    specs, expected, conflicts = [], [], []
    for topic in sorted(backup_topics, key=lambda t: t['name']):
        name, current = topic['name'], live.get(topic['name'])
        partitions, rf = topic['partitions'], topic['replication_factor']
        if current is not None and current['partitions'] > partitions:
            conflicts.append('%s: the cluster has %d partitions, the backup %d; kept %d (partitions never shrink)'
                             % (name, current['partitions'], partitions, current['partitions']))
            partitions = current['partitions']
        if current is not None and current['replication_factor'] != rf:
            conflicts.append('%s: the cluster has replication factor %d, the backup %d; left as it is'
                             % (name, current['replication_factor'], rf))
            rf = current['replication_factor']
        config = dict(topic.get('config') or {})
        specs.append({'name': name, 'partitions': partitions, 'config': config,
                      'replication_factor': topic['replication_factor'] if current is None else None})
        expected.append({'name': name, 'partitions': partitions, 'replication_factor': rf, 'config': config})
    return {'topics': specs, 'expected': expected, 'conflicts': conflicts}


def restore_versions(subjects):
    """Every backed-up version as one registration, in (subject, version) order."""
    out = []
    for subject in sorted(subjects, key=lambda s: s['subject']):
        for version in sorted(subject['versions'], key=lambda v: v['version']):
            out.append({'subject': subject['subject'], 'version': version['version'], 'id': version['id'],
                        'schema': version['schema'], 'schema_type': version.get('schema_type') or 'AVRO',
                        'references': version.get('references') or []})
    return out


def backup_content(topics, subjects, groups):
    """The backup's data files and counts from what the info modules returned: kafka_topic_info's topics (without
    per-partition detail), schema_subject_info's whole result, kafka_consumer_group_info's groups."""
    data = {
        'topics.json': [dict((k, v) for k, v in t.items() if k != 'partition_details') for t in topics],
        'subjects.json': {'global_compatibility': subjects.get('global_compatibility'), 'mode': subjects.get('mode'),
                          'subjects': subjects['subjects']},
        'consumer_offsets.json': [{'group_id': g['group_id'], 'partitions': g['partitions']} for g in groups],
    }
    counts = {'topics': len(topics), 'subjects': len(subjects['subjects']),
              'versions': sum(len(s['versions']) for s in subjects['subjects']), 'consumer_groups': len(groups)}
    return {'data': data, 'counts': counts}


def restore_offsets(groups, pattern=None):
    """kafka_consumer_group's `groups` from a backup's consumer_offsets.json: the groups whose id matches
    `pattern` (re.match) and that have committed offsets, each partition's committed_offset as its offset."""
    regex = compile_pattern(pattern, 'k2_restore_offsets_group_pattern')
    return [{'group': g['group_id'],
             'offsets': [{'topic': p['topic'], 'partition': p['partition'], 'offset': p['committed_offset']}
                         for p in g['partitions']]}
            for g in groups if g.get('partitions') and (regex is None or regex.match(g['group_id']))]


def id_map(results, backup_ids):
    """{old id: new id}: schema_subject's batch results against the plan's `backup_ids` (one per entry, the
    backup's id for a registration with a new id, else None)."""
    out = {}
    for result, old in zip(results, backup_ids):
        if old is not None and result.get('id') is not None and old != result['id']:
            out[str(old)] = result['id']
    return out


def backup_differences(backup_topics, backup_subjects, live_topics, live_subjects, compare_ids=True):
    """What the cluster and registry still lack or hold differently after a restore ([] when none)."""
    diffs = []
    live = dict((t['name'], t) for t in live_topics)
    for topic in backup_topics:
        current = live.get(topic['name'])
        if current is None:
            diffs.append('topic %s: missing' % topic['name'])
            continue
        for key in ('partitions', 'replication_factor'):
            if current[key] != topic[key]:
                diffs.append('topic %s: %s %s, backup %s' % (topic['name'], key, current[key], topic[key]))
        for key, value in sorted((topic.get('config') or {}).items()):
            if (current.get('config') or {}).get(key) != value:
                diffs.append('topic %s: config %s=%s, backup %s' % (topic['name'], key,
                                                                    (current.get('config') or {}).get(key), value))
    registry = dict((s['subject'], s) for s in live_subjects)
    for subject in backup_subjects:
        current = registry.get(subject['subject'])
        if current is None:
            diffs.append('subject %s: missing' % subject['subject'])
            continue
        have = dict((v['version'], v) for v in current['versions'])
        for version in subject['versions']:
            got = have.get(version['version'])
            if got is None:
                diffs.append('subject %s: version %s missing' % (subject['subject'], version['version']))
            elif _canon(got.get('schema')) != _canon(version.get('schema')):
                diffs.append('subject %s: version %s has another schema' % (subject['subject'], version['version']))
            elif compare_ids and got['id'] != version['id']:
                diffs.append('subject %s: version %s has id %s, backup %s' % (subject['subject'], version['version'],
                                                                              got['id'], version['id']))
        if subject.get('compatibility') and current.get('compatibility') != subject['compatibility']:
            diffs.append('subject %s: compatibility %s, backup %s' % (subject['subject'], current.get('compatibility'),
                                                                      subject['compatibility']))
    return diffs


def _canon(text):
    import json
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def restore_subjects(backup_subjects, live_subjects, import_ok, replace=False):
    """The schema part of a restore, per subject, from the backup and what the registry holds now.

    Paths: unchanged (the registry holds exactly the backup: versions and schemas, and ids where the registry
    can import them); import (missing or empty subject on a registry with IMPORT: original ids and versions);
    register (no IMPORT: the versions it lacks, in order, with new ids); conflict (the subject holds other
    content, or other ids where ids could be kept: reported, left alone); replace (a conflict with `replace`:
    hard-deleted, then imported or registered). Returns {subjects: [{subject, path, detail}], deletes,
    import_subjects, imports, registers, conflicts}; imports and registers are restore_versions() items."""
    live = dict((s['subject'], s) for s in live_subjects)
    out = {'subjects': [], 'deletes': [], 'import_subjects': [], 'imports': [], 'registers': [], 'conflicts': []}
    for subject in sorted(backup_subjects, key=lambda s: s['subject']):
        name = subject['subject']
        saved = restore_versions([subject])
        current = sorted((live.get(name) or {}).get('versions') or [], key=lambda v: v['version'])
        saved_texts = [_canon(v['schema']) for v in saved]
        current_texts = [_canon(v.get('schema')) for v in current]
        detail = ''
        if not current:
            path = 'import' if import_ok else 'register'
        elif import_ok:
            same = [(v['version'], t, v['id']) for v, t in zip(saved, saved_texts)] == \
                [(v['version'], t, v['id']) for v, t in zip(current, current_texts)]
            path = 'unchanged' if same else ('replace' if replace else 'conflict')
            if not same:
                detail = 'holds %s, the backup %s' % (_versions(current), _versions(saved))
        else:
            foreign = [v['version'] for v, t in zip(current, current_texts) if t not in saved_texts]
            missing = [v for v, t in zip(saved, saved_texts) if t not in current_texts]
            if foreign:
                path = 'replace' if replace else 'conflict'
                detail = 'version(s) %s hold schemas the backup does not have' % ', '.join(str(v) for v in foreign)
            elif missing:
                path, saved = 'register', missing
                detail = 'registers version(s) %s of the backup' % ', '.join(str(v['version']) for v in missing)
            else:
                path = 'unchanged'
        out['subjects'].append({'subject': name, 'path': path, 'detail': detail,
                                'line': '%s: %s%s' % (name, path, ' (%s)' % detail if detail else '')})
        if path == 'conflict':
            out['conflicts'].append('%s: %s' % (name, detail))
            continue
        if path == 'replace':
            out['deletes'].append(name)
        if path in ('import', 'replace') and import_ok:
            out['import_subjects'].append(name)
            out['imports'].extend(saved)
        elif path in ('register', 'replace'):
            out['registers'].extend(saved if path == 'register' else restore_versions([subject]))
    _batch(out, backup_subjects)
    return out


def _batch(plan, backup_subjects):
    """The plan as one schema_subject `subjects` list, each subject's steps in order (delete, IMPORT mode,
    versions with ids, READWRITE, versions with new ids, level), and `backup_ids` beside it for id_map."""
    entries, ids = [], []
    conflicting = set(c['subject'] for c in plan['subjects'] if c['path'] == 'conflict')

    def add(entry, old_id=None):
        entries.append(entry)
        ids.append(old_id)

    def version(item, with_ids):
        entry = {'subject': item['subject'], 'schema': item['schema'], 'schema_type': item['schema_type']}
        if item['references']:
            entry['references'] = item['references']
        if with_ids:
            entry.update(id=item['id'], version=item['version'])
        return entry

    for subject in sorted(backup_subjects, key=lambda s: s['subject']):
        name = subject['subject']
        if name in conflicting:
            continue
        if name in plan['deletes']:
            add({'subject': name, 'state': 'absent', 'permanent': True})
        if name in plan['import_subjects']:
            add({'subject': name, 'mode': 'IMPORT'})
            for item in (i for i in plan['imports'] if i['subject'] == name):
                add(version(item, True))
            add({'subject': name, 'mode': 'READWRITE'})
        for item in (i for i in plan['registers'] if i['subject'] == name):
            add(version(item, False), item['id'])
        if subject.get('compatibility'):
            add({'subject': name, 'compatibility': subject['compatibility']})
    plan['entries'], plan['backup_ids'] = entries, ids


def _versions(versions):
    return ', '.join('v%s (id %s)' % (v['version'], v['id']) for v in versions) or 'nothing'
