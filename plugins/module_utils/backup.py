# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of backup and restore: what a restore asks for, in which order, and what still differs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


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


def id_map(registrations):
    """{old id: new id} from the registered results of restore_versions (registry without IMPORT)."""
    out = {}
    for item in registrations:
        old, new = item['item']['id'], item.get('id')
        if old != new:
            out[str(old)] = new
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
