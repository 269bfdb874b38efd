# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of a restore: the whole plan, from the backup and what the cluster and registry hold now, that the
restore role only plays (restore_plan), and its parts: topics, subjects in order, offsets, the id map."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.k2.kafka_ops.plugins.module_utils.backup import canonical
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern

OPTIONS = {'topics': True, 'schemas': True, 'offsets': False, 'use_import': True, 'force_import': False,
           'replace_subjects': False, 'group_pattern': None}


def restore_plan(data, live_topics=None, live_subjects=None, capabilities=None, options=None):
    """Everything a restore does, decided before anything is touched.

    `data` is the loaded backup: {topics: topics.json, subjects: subjects.json, offsets: consumer_offsets.json};
    `live_topics` kafka_topic_info's topics, `live_subjects` schema_subject_info's subjects, `capabilities`
    schema_registry_info's capabilities; `options` the role's switches (OPTIONS, strings such as "true" taken
    as booleans). The result is flat: topics (kafka_topic specs), entries and backup_ids (one schema_subject
    batch and the backup's id beside each entry), groups (kafka_consumer_group), deletes, conflicts, the lines
    to report, and what the read-back must find (expected_topics, expected_subjects)."""
    opts = dict(OPTIONS)
    opts.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
    for key in OPTIONS:
        if key != 'group_pattern':
            opts[key] = boolean(opts[key], strict=False)
    plan = {'topics': [], 'expected_topics': [], 'topic_conflicts': [], 'import': False, 'subject_paths': [],
            'entries': [], 'backup_ids': [], 'deletes': [], 'registers': [], 'subject_conflicts': [],
            'expected_subjects': [], 'global_compatibility': None, 'groups': [], 'report': []}
    if opts['topics']:
        topics = restore_topics(data.get('topics') or [], live_topics or [])
        plan.update(topics=topics['topics'], expected_topics=topics['expected'], topic_conflicts=topics['conflicts'])
        plan['report'].extend(topics['conflicts'] or ['topics: no conflicts with the live cluster'])
    if opts['schemas']:
        _plan_subjects(plan, data.get('subjects') or {}, live_subjects or [], capabilities or {}, opts)
    if opts['offsets']:
        plan['groups'] = restore_offsets(data.get('offsets') or [], opts['group_pattern'])
    plan['match_line'] = 'none: %ssubjects, versions%s match the backup' % (
        'topics, partitions, configs, ' if opts['topics'] else '', ' and ids' if plan['import'] else '')
    plan['conflict_message'] = _conflict_message(plan['subject_conflicts'])
    return plan


def _plan_subjects(plan, saved, live_subjects, caps, opts):
    flavour = caps.get('flavour') or 'unknown'
    can_import = bool(caps.get('import_mode') and caps.get('mode_writable_subject'))
    plan['import'] = opts['use_import'] and (opts['force_import'] or can_import)
    if plan['import']:
        how = 'imports with the original ids and versions'
    elif not opts['use_import']:
        how = 'is not asked to import (k2_restore_use_import=false): missing versions are registered in order ' \
              'with new ids'
    else:
        how = 'cannot import with ids: missing versions are registered in order with new ids'
        if flavour == 'unknown':
            how += ('. It could not be named from its read-only answers: if it honours per-subject IMPORT mode '
                    '(as Confluent does), rerun with -e k2_restore_force_import=true to keep the ids')
    subjects = restore_subjects(saved.get('subjects') or [], live_subjects, plan['import'], opts['replace_subjects'])
    conflicting = set(s['subject'] for s in subjects['subjects'] if s['path'] == 'conflict')
    plan.update(subject_paths=subjects['subjects'], entries=subjects['entries'], backup_ids=subjects['backup_ids'],
                deletes=subjects['deletes'], registers=subjects['registers'],
                subject_conflicts=subjects['conflicts'], global_compatibility=saved.get('global_compatibility'),
                expected_subjects=[s for s in saved.get('subjects') or [] if s['subject'] not in conflicting])
    plan['report'].append('the registry (%s) %s' % (flavour, how))
    plan['report'].extend(s['line'] for s in subjects['subjects'])


def _conflict_message(conflicts):
    if not conflicts:
        return []
    count = len(conflicts)
    return ['restored everything else; %d subject(s) hold other content than the backup and were left as they '
            'are. To put the backup in their place: rerun with -e k2_restore_replace_subjects=true '
            '-e confirm=REPLACE-%d (or reset with -e k2_reset_reinit=false before restoring).' % (count, count)] \
        + conflicts


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
        saved_texts = [canonical(v['schema']) for v in saved]
        current_texts = [canonical(v.get('schema')) for v in current]
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
