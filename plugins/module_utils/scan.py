# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a topic's records back to look for lost data: each record's Avro value decoded with its writer schema
from the registry, and the per-key sequence numbers checked for gaps (the runbook's "Data loss suspected")."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.smoke import decode, schema_reader


def sequence_gaps(rows, field, key_field):
    """Gaps in `field` per (partition, key) over rows [(partition, offset, record)] in offset order.

    A key's records stay in one partition (the key picks it), so each (partition, key) is one sequence. Returns
    (gaps, counts): gaps [{partition, key, after_offset, at_offset, after_sequence, next_sequence, missing}];
    counts {with_field, without_field, out_of_order}."""
    last, gaps = {}, []
    counts = {'with_field': 0, 'without_field': 0, 'out_of_order': 0}
    for partition, offset, record in rows:
        seq = record.get(field) if isinstance(record, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool):
            counts['without_field'] += 1
            continue
        counts['with_field'] += 1
        key = (partition, record.get(key_field) if key_field else None)
        prev = last.get(key)
        if prev is not None and seq <= prev[1]:
            counts['out_of_order'] += 1
            continue
        if prev is not None and seq > prev[1] + 1:
            gaps.append({'partition': partition, 'key': key[1], 'after_offset': prev[0], 'at_offset': offset,
                         'after_sequence': prev[1], 'next_sequence': seq, 'missing': seq - prev[1] - 1})
        last[key] = (offset, seq)
    return gaps, counts


def scan_topic(records, registry, topic, partitions=None, field='sequence_number', key_field='symbol',
               max_records=100000):
    """Read each partition's last `max_records` records (records: KafkaRecords or a fake), decode them (registry:
    RegistryClient or a fake) and report the sequence gaps, per partition and in total."""
    available = records.partitions(topic)
    if not available:
        raise K2Error('topic %s does not exist (or has no partitions); check the name' % topic)
    chosen = sorted(partitions) if partitions else available
    unknown = [p for p in chosen if p not in available]
    if unknown:
        raise K2Error('partitions: %s has partitions %s, not %s'
                      % (topic, ', '.join(map(str, available)), ', '.join(map(str, unknown))))
    schema_for_id = schema_reader(registry)
    rows, summary = [], []
    for partition in chosen:
        low, high, read = records.read_partition(topic, partition, max_records)
        undecodable = 0
        for offset, timestamp, dummy, value in read:
            try:
                rows.append((partition, offset, decode(value or b'', schema_for_id)[1]))
            except K2Error:
                undecodable += 1
        summary.append({'partition': partition, 'earliest_offset': low, 'latest_offset': high, 'read': len(read),
                        'first_offset': read[0][0] if read else None, 'last_offset': read[-1][0] if read else None,
                        'oldest_timestamp_ms': read[0][1] if read else None,
                        'newest_timestamp_ms': read[-1][1] if read else None, 'undecodable': undecodable})
    gaps, counts = sequence_gaps(rows, field, key_field)
    oldest = [p['oldest_timestamp_ms'] for p in summary if p['oldest_timestamp_ms'] is not None]
    result = {'topic': topic, 'field': field, 'group_by': key_field, 'partitions': summary, 'gaps': gaps,
              'gap_count': len(gaps), 'missing': sum(g['missing'] for g in gaps),
              'oldest_timestamp_ms': min(oldest) if oldest else None, 'records': sum(p['read'] for p in summary),
              'undecodable': sum(p['undecodable'] for p in summary)}
    result.update(counts)
    return result


ERROR_WORDS = ('ERROR', 'FATAL', 'Exception')


def _days(ms):
    return '%.1f days' % (ms / 86400000.0) if ms >= 86400000 else '%.1f hours' % (ms / 3600000.0)


def loss_report(topic, scan, now_ms, logs=None, disks=None):
    """The runbook's four investigation steps for one topic, as lines a person reads top to bottom.

    topic: kafka_topic_info's topic (all configs); scan: kafka_record_scan's result; logs: {broker host: log
    text}; disks: {broker host: `df -P -k` text}. Returns {lines, verdict: ok | purge | loss, gaps}."""
    config = topic.get('config') or {}
    retention = int(config.get('retention.ms') or -1)
    segment = int(config.get('segment.ms') or 604800000)
    policy = config.get('cleanup.policy') or 'delete'
    lines, verdict = ['1-2. retention: %s, cleanup.policy %s' % (
        'infinite (-1)' if retention < 0 else 'retention.ms %d (%s)' % (retention, _days(retention)), policy)], 'ok'
    untouched = [p for p in scan['partitions'] if p['earliest_offset'] == 0]
    if untouched:
        lines.append('   partition%s %s: nothing removed yet (earliest offset 0, %d records)' % (
            's' if len(untouched) > 1 else '', ', '.join(str(p['partition']) for p in untouched),
            sum(p['latest_offset'] for p in untouched)))
    for part in scan['partitions']:
        where = 'partition %d' % part['partition']
        if part['earliest_offset'] == 0:
            continue
        age = now_ms - part['oldest_timestamp_ms'] if part['oldest_timestamp_ms'] is not None else None
        if 'compact' in policy:
            lines.append('   %s: offsets below %d are gone: a compacted topic keeps the latest record of each key, '
                         'normal compaction' % (where, part['earliest_offset']))
            verdict = 'purge' if verdict == 'ok' else verdict
        elif retention >= 0 and (age is None or age >= retention - segment):
            lines.append('   %s: offsets below %d are gone and the oldest record left is %s old: normal purge by '
                         'retention (whole segments go once their newest record is older than retention.ms)'
                         % (where, part['earliest_offset'], _days(age) if age is not None else 'none'))
            verdict = 'purge' if verdict == 'ok' else verdict
        else:
            lines.append('   %s: offsets below %d are gone but the oldest record left is only %s old, younger than '
                         'retention.ms minus segment.ms: retention does not explain it (records deleted by hand, '
                         'or retention lowered since)' % (where, part['earliest_offset'], _days(age)))
            verdict = 'loss'
    if scan['gaps']:
        verdict = 'loss'
        lines.append('   sequence gaps in %s (%d records read, %d gap(s), %d missing):'
                     % (scan['field'], scan['records'], scan['gap_count'], scan['missing']))
        lines += ['     partition %(partition)d %(key)s: %(after_sequence)d at offset %(after_offset)d, then '
                  '%(next_sequence)d at offset %(at_offset)d (%(missing)d missing)' % g for g in scan['gaps'][:50]]
    else:
        lines.append('   no gaps in %s over %d records (%d without it)' % (scan['field'], scan['records'],
                                                                           scan['without_field']))
    lines.append('3. disk:')
    for host, text in sorted((disks or {}).items()):
        rows = [r for r in (text or '').splitlines()[1:] if r.strip()]
        lines += ['   %s: %s' % (host, r) for r in rows] or ['   %s: no df output' % host]
    if not disks:
        lines.append('   no broker hosts in the inventory (kafka_broker with k2_broker_data_dir)')
    lines.append('4. broker log errors (last 20 lines with %s):' % ', '.join(ERROR_WORDS))
    for host, text in sorted((logs or {}).items()):
        errors = [l for l in (text or '').splitlines() if any(w in l for w in ERROR_WORDS)]
        lines += ['   %s: %s' % (host, l[:300]) for l in errors[-20:]] or ['   %s: no error lines' % host]
    if not logs:
        lines.append('   no broker hosts in the inventory (kafka_broker with a service control)')
    lines.insert(0, {'ok': 'no data loss found on %s', 'purge': 'no data loss on %s: what is gone was purged '
                     'by design', 'loss': 'DATA LOSS SUSPECTED on %s'}[verdict] % scan['topic'])
    return {'lines': lines, 'verdict': verdict, 'gaps': scan['gaps']}
