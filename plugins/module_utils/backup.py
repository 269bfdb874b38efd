# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of a backup: is it whole, what it holds, and what a cluster still lacks of it."""

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
            elif canonical(got.get('schema')) != canonical(version.get('schema')):
                diffs.append('subject %s: version %s has another schema' % (subject['subject'], version['version']))
            elif compare_ids and got['id'] != version['id']:
                diffs.append('subject %s: version %s has id %s, backup %s' % (subject['subject'], version['version'],
                                                                              got['id'], version['id']))
        if subject.get('compatibility') and current.get('compatibility') != subject['compatibility']:
            diffs.append('subject %s: compatibility %s, backup %s' % (subject['subject'], current.get('compatibility'),
                                                                      subject['compatibility']))
    return diffs


def canonical(text):
    import json
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
