# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A health run: the checks asked for, against a KafkaAdmin (or fake) and the registries, composed into one result
{status, findings, summary, ...}; with the state file of earlier runs and the Prometheus textfile. Nothing here
raises for an unreachable service: that is a critical finding (module_utils/health_findings.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible.module_utils.six import string_types

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern
from ansible_collections.k2.kafka_ops.plugins.module_utils.groups import group_info
from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import (CRITICAL, OK, RANK, WARNING, disk_findings,
                                                                                   finding, imbalance_percent,
                                                                                   lag_verdict, leader_bytes,
                                                                                   leader_findings,
                                                                                   log_dir_disk_findings, overall,
                                                                                   rate_findings, size_text,
                                                                                   summarize, threshold_status)
from ansible_collections.k2.kafka_ops.plugins.module_utils.health_prometheus import write_prometheus
from ansible_collections.k2.kafka_ops.plugins.module_utils.health_state import lag_history, load_state, save_state
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import RegistryClient, check_registry_options, split_urls
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics import is_internal
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import (load_file, subject_specs,
                                                                                topic_specs)

CHECKS = ['kafka', 'partitions', 'drift', 'registry', 'lag', 'imbalance', 'leaders', 'rate', 'disk']
KAFKA_CHECKS = set(['kafka', 'partitions', 'drift', 'lag', 'imbalance', 'leaders', 'rate', 'disk'])


def registry_clients(params):
    """[(url, RegistryClient)] with one client per URL, so each registry instance is checked on its own."""
    urls = split_urls(params.get('schema_registry_urls'))
    check_registry_options(params, urls)
    return [(url, RegistryClient(dict(params, schema_registry_urls=[url]))) for url in urls]


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
            out += self._imbalance_finding(name, counts, limit, size_text, 'the leaders\' log dirs')
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
