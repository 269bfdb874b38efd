# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbook's health checks as findings: each {check, status, subject, value, threshold, message}; the
statuses, the thresholds and the checks that judge plain data (no client here). The run that asks the cluster and
composes these is module_utils/health.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error

OK, WARNING, CRITICAL = 'ok', 'warning', 'critical'
RANK = {OK: 0, WARNING: 1, CRITICAL: 2}


def finding(check, status, subject, value=None, threshold=None, message=''):
    return {'check': check, 'status': status, 'subject': subject, 'value': value, 'threshold': threshold,
            'message': message}


def threshold_status(value, warning, critical=None):
    """critical above `critical`, warning above `warning`, else ok (the runbook's 'lag > 5000')."""
    if critical is not None and value > critical:
        return CRITICAL
    if warning is not None and value > warning:
        return WARNING
    return OK


def imbalance_percent(counts):
    """How far the largest partition is above the mean, in percent; None with < 2 partitions or no data."""
    if len(counts) < 2 or sum(counts) <= 0:
        return None
    mean = float(sum(counts)) / len(counts)
    return round((max(counts) - mean) / mean * 100.0, 1)


def overall(findings):
    return max([f['status'] for f in findings] or [OK], key=lambda s: RANK[s])


def summarize(findings, title='K2 Kafka health'):
    """A few lines a playbook prints: the verdict, every problem, then what was fine."""
    counts = dict((s, sum(1 for f in findings if f['status'] == s)) for s in (CRITICAL, WARNING, OK))
    lines = ['%s: %s (%d critical, %d warning, %d ok)' % (title, overall(findings).upper(), counts[CRITICAL],
                                                          counts[WARNING], counts[OK])]
    for status in (CRITICAL, WARNING):
        for f in findings:
            if f['status'] == status:
                lines.append('  %-8s %-16s %s' % (status.upper(), f['check'], f['message']))
    fine = [f for f in findings if f['status'] == OK]
    for f in fine[:8]:
        lines.append('  %-8s %-16s %s' % ('ok', f['check'], f['message']))
    if len(fine) > 8:
        lines.append('  ... and %d more ok' % (len(fine) - 8))
    return lines


def lag_verdict(samples, warning, critical, critical_for):
    """Status and words for a group's lag from its samples ([[unix time, lag], ...], oldest first, the current one
    last). Above `critical` is critical only once it has stayed above for `critical_for` seconds. Samples more than
    twice `critical_for` apart break the run: nothing is known of the lag between them. (A check scheduled every
    `critical_for` seconds therefore sees a lag that stayed high across two runs as critical.)"""
    now, lag = samples[-1]
    if lag <= warning:
        return OK, ''
    if lag <= critical:
        return WARNING, ''
    start, known = now, False
    for (then, value), (later, dummy) in zip(reversed(samples[:-1]), reversed(samples[1:])):
        if later - then > 2 * critical_for:
            break
        if value <= critical:
            known = True
            break
        start = then
    lasted = now - start
    if lasted >= critical_for:
        return CRITICAL, '; above %d for %ds (critical after %ds)' % (critical, lasted, critical_for)
    if start == now and not known:
        return WARNING, '; above %d, duration unknown (no earlier sample: the health role keeps samples in ' \
                        'k2_health_state_dir; run it again or on a schedule)' % critical
    return WARNING, '; above %d for %ds, critical after %ds' % (critical, lasted, critical_for)


def size_text(value):
    for unit, scale in (('GiB', 2 ** 30), ('MiB', 2 ** 20), ('KiB', 2 ** 10)):
        if value >= scale:
            return '%.1f %s' % (float(value) / scale, unit)
    return '%d B' % value


def usage_finding(where, used, available, total, warning, critical, source):
    """A disk's usage as df counts it, used / (used + available): warning above `warning` %, critical above
    `critical` %. `source` says where the numbers come from."""
    pct = round(100.0 * used / max(used + available, 1), 1)
    status = threshold_status(pct, warning, critical)
    limit = critical if status == CRITICAL else warning
    return finding('disk', status, where, pct, limit, '%s: %.1f%% used, %s available of %s (%s)%s' % (
        where, pct, size_text(available), size_text(total), source, '' if status == OK else ', above %g%%' % limit))


def _disk_place(disk):
    place = disk.get('mount') or disk.get('path')
    return '%s:%s' % (disk.get('host'), place) if place else str(disk.get('host'))


def check_disks(disks):
    """Every entry of `disks` has df's three sizes, or an error: K2Error naming the first that does not."""
    for disk in disks or []:
        missing = [k for k in ('total_bytes', 'used_bytes', 'available_bytes') if disk.get(k) is None]
        if missing and not disk.get('error'):
            raise K2Error('disks: the entry for %s has no %s; give total_bytes, used_bytes and available_bytes as df '
                          'measures them (the k2_df_usage filter makes them), or error'
                          % (_disk_place(disk), ', '.join(missing)))


def disk_findings(disks, warning, critical):
    """Broker disk usage from df on the broker hosts (df_usage)."""
    check_disks(disks)
    out = []
    for disk in disks:
        where = _disk_place(disk)
        if disk.get('error'):
            out.append(finding('disk', WARNING, where, message='%s: disk usage unknown: %s' % (where, disk['error'])))
            continue
        out.append(usage_finding(where, disk['used_bytes'], disk['available_bytes'], disk['total_bytes'], warning,
                                 critical, 'df of %s' % disk.get('path')))
    if not disks:
        out.append(finding('disk', OK, 'brokers', message='disk: no broker host with k2_broker_data_dir to measure'))
    return out


def log_dir_disk_findings(log_dirs, warning, critical):
    """Broker disk usage from DescribeLogDirs (KIP-827): per log directory, what is not usable of the total, as
    the broker itself measures the file system its log directory is on."""
    out = []
    for broker, dirs in sorted(log_dirs.items()):
        if not isinstance(dirs, list):
            out.append(finding('disk', WARNING, 'broker %s' % broker, message='broker %s: disk usage unknown: %s. '
                               'Or measure with df on the broker hosts: k2_health_disk_source: df and '
                               'k2_broker_data_dir on each broker host' % (broker, dirs)))
            continue
        for item in dirs:
            where = 'broker %s:%s' % (broker, item['log_dir'])
            if item['error'] or item['total_bytes'] is None or item['usable_bytes'] is None:
                why = item['error'] or 'the broker reports no totals (Kafka before 3.3)'
                out.append(finding('disk', WARNING, where, message='%s: disk usage unknown: %s; use '
                                   'k2_health_disk_source: df' % (where, why)))
                continue
            out.append(usage_finding(where, item['total_bytes'] - item['usable_bytes'], item['usable_bytes'],
                                     item['total_bytes'], warning, critical, 'log dir totals'))
    return out


def leader_bytes(live, log_dirs, names):
    """{topic: {partition: bytes}} from each partition's leader's log directories, for the topics whose every
    partition's size is known."""
    out = {}
    for name in names:
        sizes = {}
        for part in live[name]['partition_details']:
            dirs = log_dirs.get(part['leader'])
            key = (name, part['partition'])
            found = [d['partitions'][key] for d in dirs if key in d['partitions']] if isinstance(dirs, list) else []
            if not found:
                break
            sizes[part['partition']] = sum(found)
        else:
            if sizes:
                out[name] = sizes
    return out


def leader_findings(live, broker_ids, limit):
    """Leaders per broker: a warning for each broker that leads more than its share of the partitions by more
    than `limit` percent. The advice depends on why: a broker leading partitions whose preferred replica is
    another broker (as after a restart) needs a preferred leader election; a broker that is the preferred
    leader of all it leads needs its preferred replicas moved, since an election changes nothing."""
    counts = dict((b, 0) for b in broker_ids)
    foreign = dict((b, 0) for b in broker_ids)   # led here, preferred elsewhere
    for desc in live.values():
        for part in desc['partition_details']:
            leader = part['leader']
            if leader is not None and leader >= 0:
                counts[leader] = counts.get(leader, 0) + 1
                if part.get('replicas') and part['replicas'][0] != leader:
                    foreign[leader] = foreign.get(leader, 0) + 1
    total = sum(counts.values())
    if len(counts) < 2 or total < len(counts):
        return [finding('leaders', OK, 'cluster', total, limit,
                        'leaders: %d partition(s) on %d broker(s), nothing to balance' % (total, len(counts)))]
    share = float(total) / len(counts)
    out = []
    for broker, led in sorted(counts.items()):
        above = 100.0 * (led - share) / share
        if above <= limit:
            continue
        if foreign.get(broker):
            advice = ('%d of them prefer another replica: run a preferred leader election (kafka-leader-election '
                      '--election-type PREFERRED --all-topic-partitions)' % foreign[broker])
        else:
            advice = ('it is the preferred replica of each: an election changes nothing; move preferred replicas '
                      'to other brokers with kafka-reassign-partitions')
        out.append(finding('leaders', WARNING, 'broker %s' % broker, round(above, 1), limit,
                           'broker %s leads %d of %d partitions, %.0f%% above its share of %.1f; %s' % (
                               broker, led, total, above, share, advice)))
    if not out:
        out.append(finding('leaders', OK, 'cluster', total, limit, 'leaders: %s' % ', '.join(
            'broker %s leads %d' % kv for kv in sorted(counts.items()))))
    return out


def rate_findings(totals, now, previous, factor=3.0, minimum=1.0, keep=3600):
    """Message rates per topic from end offsets: `totals` now ({topic: sum of end offsets}) against the last
    sample in `previous` ({last: {topic: [time, total]}, rates: {topic: [[time, rate], ...]}}). A topic whose
    rate is above `factor` times its baseline (the median of its earlier rates younger than `keep` seconds) and
    at least `minimum` messages a second is a warning. Returns (findings, the state to keep)."""
    last, rates = previous.get('last') or {}, previous.get('rates') or {}
    out, kept_rates, measured = [], {}, 0
    for topic, total in sorted(totals.items()):
        earlier = [r for r in rates.get(topic) or [] if isinstance(r, list) and len(r) == 2 and now - keep <= r[0] < now]
        then = last.get(topic)
        if then and now > then[0] and total >= then[1]:
            rate = (total - then[1]) / float(now - then[0])
            measured += 1
            if earlier:
                values = sorted(r[1] for r in earlier)
                baseline = values[len(values) // 2]
                if baseline > 0 and rate >= minimum and rate > factor * baseline:
                    out.append(finding('rate', WARNING, topic, round(rate, 2), round(factor * baseline, 2),
                                       '%s: %.1f messages/s, %.1fx its baseline of %.1f/s (above %gx)'
                                       % (topic, rate, rate / baseline, baseline, factor)))
            earlier = earlier + [[now, rate]]
        kept_rates[topic] = earlier
    if not out:
        out.append(finding('rate', OK, 'managed topics', measured, factor,
                           'message rates of %d topic(s) within %gx their baseline' % (measured, factor)
                           if measured else 'message rates: first sample of %d topic(s); rates and their baseline '
                           'come from the next runs (k2_health_state_dir)' % len(totals)))
    return out, {'last': dict((t, [now, v]) for t, v in totals.items()), 'rates': kept_rates}
