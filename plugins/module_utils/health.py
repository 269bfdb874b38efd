# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbook's health checks as findings: each {check, status, subject, value, threshold, message}.
Nothing here raises for an unreachable service: that is a critical finding."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.module_utils.six import string_types

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern
from ansible_collections.k2.kafka_ops.plugins.module_utils.groups import group_info
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import RegistryClient, split_urls
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics import is_internal
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import (load_file, subject_specs,
                                                                                topic_specs)

OK, WARNING, CRITICAL = 'ok', 'warning', 'critical'
RANK = {OK: 0, WARNING: 1, CRITICAL: 2}
CHECKS = ['kafka', 'partitions', 'drift', 'registry', 'lag', 'imbalance', 'leaders', 'rate', 'disk']
KAFKA_CHECKS = set(['kafka', 'partitions', 'drift', 'lag', 'imbalance', 'leaders', 'rate', 'disk'])


def registry_clients(params):
    """[(url, RegistryClient)] with one client per URL, so each registry instance is checked on its own."""
    return [(url, RegistryClient(dict(params, schema_registry_urls=[url])))
            for url in split_urls(params.get('schema_registry_urls'))]


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


def df_usage(results):
    """[{host, path, filesystem, mount, total_bytes, used_bytes, available_bytes}] from the registered results
    of `df -P -k <path>` run on each broker host (loop_var k2_health_broker); a host that did not answer gets
    an error instead."""
    out = []
    for result in results:
        host = result.get('k2_health_broker') or result.get('item')
        path = (result.get('cmd') or [''])[-1] if isinstance(result.get('cmd'), list) else ''
        rows = [r.split() for r in (result.get('stdout') or '').splitlines()[1:] if r.strip()]
        if result.get('rc') != 0 or not rows or len(rows[-1]) < 6:
            why = result.get('stderr') or result.get('msg') or 'no df output'
            out.append({'host': host, 'path': path, 'error': why.strip()[:300]})
            continue
        row = rows[-1]
        used, available = int(row[2]) * 1024, int(row[3]) * 1024
        out.append({'host': host, 'path': path, 'filesystem': row[0], 'mount': row[5], 'total_bytes': int(row[1]) * 1024,
                    'used_bytes': used, 'available_bytes': available})
    return out


def _size(value):
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
        where, pct, _size(available), _size(total), source, '' if status == OK else ', above %g%%' % limit))


def disk_findings(disks, warning, critical):
    """Broker disk usage from df on the broker hosts (df_usage)."""
    out = []
    for disk in disks:
        place = disk.get('mount') or disk.get('path')
        where = '%s:%s' % (disk.get('host'), place) if place else str(disk.get('host'))
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


def lag_history(previous, groups, now, keep):
    """The samples to keep: each group's earlier samples younger than `keep` seconds, plus this one."""
    out = {}
    for group_id, lag in groups.items():
        earlier = [s for s in (previous or {}).get(group_id) or [] if isinstance(s, list) and len(s) == 2
                   and now - keep <= s[0] < now]
        out[group_id] = earlier + [[now, lag]]
    return out


def load_topics_config(value):
    """topics_config as a path to topics.yaml or an already loaded dict."""
    return load_file(value) if isinstance(value, string_types) else value


class HealthCheck:
    """One health run. `admin` is a KafkaAdmin (or fake); registry URLs are checked one by one."""

    def __init__(self, admin, registries, options):
        """admin: a KafkaAdmin (or fake), None when no Kafka check is asked for; registries: [(url, client)],
        one RegistryClient per URL, used only by the registry check."""
        self.admin = admin
        self.registries = registries
        self.o = options
        self.checks = set(options.get('checks') or CHECKS)
        self.managed = compile_pattern(options.get('managed_pattern') or r'^market\.', 'managed_pattern')
        compile_pattern(options.get('consumer_group_pattern'), 'consumer_group_pattern')
        self.config = load_topics_config(options.get('topics_config'))
        self.expected = topic_specs(self.config) if self.config else None
        self.subjects = [s['subject'] for s in subject_specs(self.config)] if self.config else []
        self._latest_offsets = None
        self.log_dirs = None   # {broker id: [log dir] or message}, read once per run
        self.sizes = {}        # {topic: {partition: bytes}} on the leaders, from log_dirs

    def run(self):
        findings, facts = [], {}
        self._latest_offsets = self.log_dirs = None   # read again on every run (wait_for polls)
        self.sizes = {}
        if self.checks & KAFKA_CHECKS:
            findings += self._kafka(facts)
        if 'registry' in self.checks:
            findings += self._registries(facts)
        limits = self.o.get('disk_warning') or 70, self.o.get('disk_critical') or 90
        if 'disk' in self.checks and self.o.get('disks') is not None:
            findings += disk_findings(self.o['disks'], *limits)
        elif 'disk' in self.checks and self.log_dirs is not None:
            findings += log_dir_disk_findings(self.log_dirs, *limits)
        status = overall(findings)
        return {'status': status, 'findings': findings, 'summary': summarize(findings), 'kafka': facts.get('kafka'),
                'registries': facts.get('registries', []), 'state': facts.get('state', {}),
                'lag_per_topic': facts.get('lag_per_topic', {}),
                'partition_bytes': facts.get('partition_bytes', {})}

    # -- kafka ------------------------------------------------------------------------------------

    def _kafka(self, facts):
        where = self.o.get('bootstrap_servers')
        try:
            cluster = self.admin.describe_cluster()
        except K2Error as exc:
            facts['kafka'] = {'reachable': False, 'error': exc.msg}
            return [finding('kafka', CRITICAL, where, message='Kafka unreachable: %s' % exc.msg)]
        out = []
        brokers = cluster['brokers']
        expected = self.o.get('expected_brokers')
        names = self.admin.list_topic_names()
        facts['kafka'] = dict(cluster, reachable=True, topic_count=len(names))
        status = CRITICAL if expected and len(brokers) < expected else OK
        out.append(finding('kafka', status, where, len(brokers), expected,
                           'cluster %s, controller %s, %d broker(s)%s, %d topics' % (
                               cluster['cluster_id'], cluster['controller_id'], len(brokers),
                               ' of %d expected' % expected if expected else '', len(names))))
        try:
            live = self.admin.describe_topics(names)
            if 'imbalance' in self.checks or 'disk' in self.checks and self.o.get('disks') is None:
                self.log_dirs = self.admin.describe_log_dirs(brokers)
                self.sizes = leader_bytes(live, self.log_dirs, self._managed(live))
                facts['partition_bytes'] = dict((name, dict((str(p), size) for p, size in sizes.items()))
                                                for name, sizes in self.sizes.items())
            if 'partitions' in self.checks:
                out += self._partitions(live, facts)
            if 'drift' in self.checks and self.expected is not None:
                out += self._drift(live)
            if 'lag' in self.checks:
                out += self._lag(facts)
            if 'imbalance' in self.checks:
                out += self._imbalance(live)
            if 'leaders' in self.checks:
                out += leader_findings(live, [b['id'] for b in brokers], self.o.get('imbalance_warning', 20))
            if 'rate' in self.checks:
                out += self._rate(live, facts)
        except K2Error as exc:
            out.append(finding('kafka', CRITICAL, where, message='Kafka stopped answering: %s' % exc.msg))
        return out

    def _partitions(self, live, facts):
        configs = self.admin.describe_topic_configs(sorted(live))
        under, offline, below = {}, {}, {}
        for name, desc in sorted(live.items()):
            min_isr = int((configs.get(name, {}).get('min.insync.replicas') or {}).get('value') or 1)
            for part in desc['partition_details']:
                if part['leader'] is None or part['leader'] < 0:
                    offline.setdefault(name, []).append(part['partition'])
                if len(part['isr']) < len(part['replicas']):
                    under.setdefault(name, []).append(part['partition'])
                if len(part['isr']) < min_isr:
                    below.setdefault(name, []).append(part['partition'])
        facts['kafka'].update(under_replicated=sum(len(v) for v in under.values()),
                              offline=sum(len(v) for v in offline.values()),
                              under_min_isr=sum(len(v) for v in below.values()))
        out = []
        for check, found, what in (('offline', offline, 'offline (no leader)'),
                                   ('under_replicated', under, 'under-replicated'),
                                   ('under_min_isr', below, 'below min.insync.replicas')):
            if not found:
                out.append(finding(check, OK, 'cluster', 0, 0, 'no partitions %s' % what))
            for name, parts in sorted(found.items()):
                out.append(finding(check, CRITICAL, name, len(parts), 0, '%s: %d partition(s) %s: %s' % (
                    name, len(parts), what, ', '.join(str(p) for p in parts[:10]))))
        return out

    def _drift(self, live):
        out = []
        expected_names = set()
        for spec in self.expected:
            name = spec['name']
            expected_names.add(name)
            desc = live.get(name)
            if desc is None:
                out.append(finding('drift', CRITICAL, name, 0, spec['partitions'],
                                   '%s is in topics.yaml but missing from the cluster' % name))
            elif desc['partitions'] < spec['partitions']:
                out.append(finding('drift', WARNING, name, desc['partitions'], spec['partitions'],
                                   '%s has %d partitions, topics.yaml expects %d (raise_partitions.yml)'
                                   % (name, desc['partitions'], spec['partitions'])))
            elif desc['partitions'] > spec['partitions']:
                out.append(finding('drift', WARNING, name, desc['partitions'], spec['partitions'],
                                   '%s has %d partitions, more than the %d in topics.yaml; partitions cannot '
                                   'shrink, update topics.yaml' % (name, desc['partitions'], spec['partitions'])))
            if desc is not None and spec.get('replication_factor') and \
                    desc['replication_factor'] != spec['replication_factor']:
                out.append(finding('drift', WARNING, name, desc['replication_factor'], spec['replication_factor'],
                                   '%s has replication factor %d, topics.yaml expects %d'
                                   % (name, desc['replication_factor'], spec['replication_factor'])))
        for name in sorted(live):
            if self.managed.search(name) and name not in expected_names and not is_internal(name):
                out.append(finding('drift', WARNING, name, None, None,
                                   '%s looks managed but is not in topics.yaml' % name))
        if not out:
            out.append(finding('drift', OK, 'topics.yaml', len(self.expected), len(self.expected),
                               'all %d topics of topics.yaml present with their partitions' % len(self.expected)))
        return out

    def _lag(self, facts):
        names, pattern = self.o.get('consumer_groups'), self.o.get('consumer_group_pattern')
        groups = group_info(self.admin, names, pattern)['groups']
        warn, crit = self.o.get('lag_warning', 1000), self.o.get('lag_critical', 5000)
        critical_for = self.o.get('lag_critical_for')
        critical_for = 300 if critical_for is None else critical_for
        now = int(self.o.get('now') or time.time())
        history = lag_history((self.o.get('state') or {}).get('lag'), dict((g['group_id'], g['lag']) for g in groups),
                              now,
                              max(critical_for * 4, 60))
        facts.setdefault('state', {})['lag'] = history
        facts['lag_per_topic'] = dict((g['group_id'], g['lag_per_topic']) for g in groups)
        out = []
        for group in groups:
            status, note = lag_verdict(history[group['group_id']], warn, crit, critical_for)
            worst = sorted(group['lag_per_topic'].items(), key=lambda kv: -kv[1])[:3]
            out.append(finding('lag', status, group['group_id'], group['lag'],
                               crit if status == CRITICAL else warn,
                               'group %s (%s) is %d message(s) behind%s%s' % (
                                   group['group_id'], group['state'], group['lag'],
                                   ': ' + ', '.join('%s %d' % kv for kv in worst) if group['lag'] else '', note)))
        if not groups:
            out.append(finding('lag', OK, 'consumer groups', 0, warn, 'no consumer groups to check'))
        return out

    def _managed(self, live):
        if self.expected is not None:
            return sorted(s['name'] for s in self.expected if s['name'] in live)
        return sorted(n for n in live if self.managed.search(n))

    def _latest(self, live, names, fresh=False):
        """The managed partitions' end offsets, read once per run for the imbalance and rate checks (`fresh`
        reads them again: the rate check's second sample)."""
        if fresh or self._latest_offsets is None:
            parts = [(n, p['partition']) for n in names for p in live[n]['partition_details']]
            self._latest_offsets = self.admin.list_offsets(parts, 'latest') if parts else {}
        return self._latest_offsets

    def _end_offsets(self, live, names, fresh=False):
        latest = self._latest(live, names, fresh)
        return dict((n, sum(latest[(n, p['partition'])] for p in live[n]['partition_details'])) for n in names)

    def _rate(self, live, facts):
        names = self._managed(live)
        interval = self.o.get('rate_interval') or 0
        previous = (self.o.get('state') or {}).get('rate') or {}
        if interval > 0:   # two samples in this run
            first, first_at = self._end_offsets(live, names), time.time()
            self.o.get('sleep', time.sleep)(interval)
            previous = dict(previous, last=dict((n, [first_at, v]) for n, v in first.items()))
        now = self.o.get('now') or time.time()
        findings, state = rate_findings(self._end_offsets(live, names, fresh=interval > 0), now, previous,
                                        self.o.get('rate_spike_factor') or 3.0, self.o.get('rate_min') or 1.0,
                                        self.o.get('rate_baseline_window') or 3600)
        facts.setdefault('state', {})['rate'] = state
        return findings

    def _imbalance(self, live):
        """On bytes (the leaders' log directories) for topics of at least imbalance_min_bytes; on messages (end
        minus start offsets) for the others, and where the sizes are unknown."""
        names = self._managed(live)
        limit = self.o.get('imbalance_warning', 20)
        minimum = self.o.get('imbalance_min_bytes', 2 ** 20)
        by_bytes = [n for n in names if sum(self.sizes.get(n, {}).values()) >= minimum]
        out = []
        for name in by_bytes:
            counts = [self.sizes[name][p['partition']] for p in live[name]['partition_details']]
            out += self._imbalance_finding(name, counts, limit, _size, 'the leaders\' log dirs')
        rest = sorted(set(names) - set(by_bytes))
        parts = [(n, p['partition']) for n in rest for p in live[n]['partition_details']]
        if not parts:
            return out
        earliest, latest = self.admin.list_offsets(parts, 'earliest'), self._latest(live, names)
        for name in rest:
            counts = [latest[(name, p['partition'])] - earliest[(name, p['partition'])]
                      for p in live[name]['partition_details']]
            if sum(counts) >= self.o.get('imbalance_min_messages', 100):
                out += self._imbalance_finding(name, counts, limit, lambda v: '%d messages' % v, 'offsets')
        return sorted(out, key=lambda f: f['subject'])

    @staticmethod
    def _imbalance_finding(name, counts, limit, show, basis):
        pct = imbalance_percent(counts)
        if pct is None:
            return []
        hot = counts.index(max(counts))
        return [finding('imbalance', threshold_status(pct, limit), name, pct, limit,
                        '%s: partition %d holds %s of %s, %.1f%% above the mean (%s)' % (
                            name, hot, show(max(counts)), show(sum(counts)), pct, basis))]

    # -- registries -------------------------------------------------------------------------------

    def _registries(self, facts):
        out, seen = [], []
        for url, client in self.registries:
            started = time.time()
            try:
                subjects = client.subjects()
                latency = round((time.time() - started) * 1000.0, 1)
                level = client.compatibility()
            except K2Error as exc:
                seen.append({'url': url, 'reachable': False, 'error': exc.msg})
                out.append(finding('registry', CRITICAL, url, None, None, 'registry %s unreachable: %s' % (
                    url, exc.msg)))
                continue
            missing = [s for s in self.subjects if s not in subjects]
            seen.append({'url': url, 'reachable': True, 'latency_ms': latency, 'subject_count': len(subjects),
                         'global_compatibility': level, 'missing_subjects': missing})
            out.append(finding('registry', OK, url, latency, None, 'registry %s answers in %.0f ms, %d subjects, '
                               'global compatibility %s'
                               % (url, latency, len(subjects), level)))
            if missing:
                out.append(finding('subjects', WARNING, url, len(missing), 0, 'registry %s lacks %d managed '
                                                                              'subject(s): %s'
                                   % (url, len(missing), ', '.join(missing[:5]))))
        facts['registries'] = seen
        return out


def needs_kafka(checks):
    return bool(set(checks or CHECKS) & KAFKA_CHECKS)


def run_health(admin, registries, options, sleep=time.sleep):
    """Run the checks; with wait_for, poll until the status is at most that good (or the timeout passes)."""
    check = HealthCheck(admin, registries, options)
    target = options.get('wait_for')
    deadline = time.time() + (options.get('wait_timeout') or 0)
    attempts = 0
    while True:
        attempts += 1
        result = check.run()
        if not target or RANK[result['status']] <= RANK[target] or time.time() >= deadline:
            break
        sleep(options.get('wait_interval') or 5)
    result['attempts'] = attempts
    return result


STATE_FORMAT = 1


def load_state(path):
    """The samples an earlier run kept ({} without a file). A file that is not ours is an error that says so."""
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path) as handle:
            state = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        raise K2Error('state_file: %s cannot be read as the health state (%s); remove it and the next run starts '
                      'a new history' % (path, exc))
    if not isinstance(state, dict) or state.get('format') != STATE_FORMAT:
        raise K2Error('state_file: %s is not a k2.kafka_ops health state (format %d); remove it, or point '
                      'state_file elsewhere' % (path, STATE_FORMAT))
    return state


def save_state(path, state):
    """Write the state beside itself, then rename: a reader never sees half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as handle:
        json.dump(dict(state, format=STATE_FORMAT), handle, sort_keys=True)
    os.rename(tmp, path)


def run_with_state(admin, registries, options, check_mode=False):
    """run_health with the lag samples of earlier runs read from, and this run's written to, options' state_file
    (not written in check mode)."""
    path = options.get('state_file')
    state = load_state(path)
    result = run_health(admin, registries, dict(options, state=state))
    updates = result.pop('state', None)
    if options.get('prometheus_file') and not check_mode:
        write_prometheus(options['prometheus_file'], result)
    result.pop('lag_per_topic', None)
    if path and not check_mode and updates:
        try:
            save_state(path, dict(state, **updates))
        except (IOError, OSError) as exc:
            raise K2Error('state_file: cannot write %s (%s); make its folder writable or set state_file elsewhere'
                          % (path, exc))
    return result


def _label(value):
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def prometheus_text(result, now=None):
    """The findings in Prometheus' text format, for node-exporter's textfile collector: the overall status, each
    finding's status and value, and each consumer group's lag per topic under the lag exporter's own name
    (kafka_consumergroup_lag), so the alert rules of monitoring/prometheus work without that exporter."""
    cluster = _label((result.get('kafka') or {}).get('cluster_id') or '')
    lines = ['# HELP k2_health_status Overall K2 health: 0 ok, 1 warning, 2 critical.',
             '# TYPE k2_health_status gauge',
             'k2_health_status{cluster="%s"} %d' % (cluster, RANK[result['status']]),
             '# HELP k2_health_finding_status Each finding of kafka_health: 0 ok, 1 warning, 2 critical.',
             '# TYPE k2_health_finding_status gauge']
    seen, values = set(), []
    for f in result['findings']:
        key = (f['check'], str(f['subject']))
        if key in seen:
            continue
        seen.add(key)
        labels = 'cluster="%s",check="%s",subject="%s"' % (cluster, _label(f['check']), _label(f['subject']))
        lines.append('k2_health_finding_status{%s} %d' % (labels, RANK[f['status']]))
        if isinstance(f.get('value'), (int, float)) and not isinstance(f.get('value'), bool):
            values.append('k2_health_finding_value{%s} %s' % (labels, f['value']))
    lines += ['# HELP k2_health_finding_value The value each finding judged (lag, percent, count).',
              '# TYPE k2_health_finding_value gauge'] + values
    lags = result.get('lag_per_topic') or {}
    if lags:
        lines += ['# HELP kafka_consumergroup_lag Messages a consumer group is behind, per topic (kafka_health).',
                  '# TYPE kafka_consumergroup_lag gauge']
        for group in sorted(lags):
            for topic, lag in sorted(lags[group].items()):
                lines.append('kafka_consumergroup_lag{consumergroup="%s",topic="%s"} %d'
                             % (_label(group), _label(topic), lag))
    sizes = result.get('partition_bytes') or {}
    if sizes:
        lines += ['# HELP k2_partition_size_bytes Bytes of each managed partition on its leader (DescribeLogDirs).',
                  '# TYPE k2_partition_size_bytes gauge']
        for topic in sorted(sizes):
            for partition, size in sorted(sizes[topic].items(), key=lambda kv: int(kv[0])):
                lines.append('k2_partition_size_bytes{cluster="%s",topic="%s",partition="%s"} %d'
                             % (cluster, _label(topic), partition, size))
    lines += ['# HELP k2_health_last_run_timestamp_seconds When kafka_health last ran.',
              '# TYPE k2_health_last_run_timestamp_seconds gauge',
              'k2_health_last_run_timestamp_seconds %d' % int(now or time.time())]
    return '\n'.join(lines) + '\n'


def write_prometheus(path, result):
    """Write the textfile atomically (node-exporter may read it at any moment)."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(folder):
            os.makedirs(folder)
        tmp = '%s.%d.tmp' % (path, os.getpid())
        with open(tmp, 'w') as handle:
            handle.write(prometheus_text(result))
        os.rename(tmp, path)
    except (IOError, OSError) as exc:
        raise K2Error('prometheus_file: cannot write %s (%s); make its folder writable or set another path'
                      % (path, exc))
