# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each module's service: what its main() runs through runner.run_module, from the validated params (a Run) to
the result dict. The work itself lives in the module_utils each one calls; this is the glue, in one place."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.k2.kafka_ops.plugins.module_utils import inputs
from ansible_collections.k2.kafka_ops.plugins.module_utils.backup_files import write_backup
from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.groups import group_info, set_groups_offsets
from ansible_collections.k2.kafka_ops.plugins.module_utils.health import needs_kafka, registry_clients, run_with_state
from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import RANK
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import KafkaAdmin
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_records import KafkaRecords
from ansible_collections.k2.kafka_ops.plugins.module_utils.plan import group_items, subject_items, topic_items
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import (RegistryClient, instances,
                                                                            probe_capabilities)
from ansible_collections.k2.kafka_ops.plugins.module_utils.results import diff_entries
from ansible_collections.k2.kafka_ops.plugins.module_utils.scan import scan_topic
from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import SubjectManager, batch_result, subject_info
from ansible_collections.k2.kafka_ops.plugins.module_utils.smoke import run as run_smoke, targets
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics import compact, normalize_specs, reconcile, topic_info
from ansible_collections.k2.kafka_ops.plugins.module_utils.version import COLLECTION_VERSION


def kafka_topic(run):
    params = run.params
    if params['topics'] is not None:
        items, label = params['topics'], 'topics'
    else:
        items, label = [dict((k, params[k]) for k in ('name', 'partitions', 'replication_factor', 'config'))], ''
    specs = normalize_specs(items, params['state'], label)
    result = reconcile(KafkaAdmin(params), specs, params['config_mode'], params['replication_factor_mismatch'],
                       run.check_mode)
    result['diff'] = diff_entries(result['topics'], 'name')
    result['plan'] = topic_items(result)
    if not run.diff and run.verbosity < 2:
        result['topics'] = compact(result['topics'])
    return result


def kafka_topic_info(run):
    params = run.params
    inputs.topic_names('names', params['names'])
    return topic_info(KafkaAdmin(params), params['names'], params['pattern'], params['include_internal'],
                      params['config'] == 'all', params['offsets'])


def kafka_consumer_group(run):
    batch = run.params['groups']
    results = set_groups_offsets(KafkaAdmin(run.params), batch if batch is not None else [run.params], run.check_mode,
                                 batch is not None)
    warnings = [item.pop('msg') for item in results if item.get('msg')]
    diff, plan = diff_entries(results, 'group'), group_items({'groups': results})
    if batch is None:
        return dict(results[0], warnings=warnings, diff=diff[0] if diff else None, plan=plan)
    return dict(changed=any(item['changed'] for item in results), groups=results, warnings=warnings,
                diff=diff or None, plan=plan)


def kafka_consumer_group_info(run):
    inputs.group_names('names', run.params['names'])
    return group_info(KafkaAdmin(run.params), run.params['names'], run.params['pattern'])


def kafka_cluster_info(run):
    try:
        info = KafkaAdmin(run.params).cluster_metadata()
    except K2Error as exc:
        if run.params['unreachable'] == 'fail':
            raise
        return dict(reachable=False, error=exc.msg, collection_version=COLLECTION_VERSION)
    return dict(reachable=True, broker_ids=[b['id'] for b in info['brokers']], collection_version=COLLECTION_VERSION,
                **info)


def schema_registry_info(run):
    params = run.params
    found = instances(params)
    answering = [i['url'] for i in found if i['reachable']]
    result = dict(instances=found, reachable=bool(answering), global_compatibility=None, capabilities=None)
    if answering:
        client = RegistryClient(dict(params, schema_registry_urls=answering))
        result['global_compatibility'] = client.compatibility()
        if params['capabilities']:
            result['capabilities'] = probe_capabilities(client)
    return result


def schema_subject(run):
    params = run.params
    inputs.workers(params)
    for index, entry in enumerate(params['subjects'] or []):
        inputs.subject_entry('subjects[%d].' % index, entry)
    if params['subjects'] is None:
        inputs.subject_entry('', params, allow_global=True)
    if params['subjects'] is not None:
        result, failure = batch_result(RegistryClient(params), params['subjects'], run.check_mode, run.diff,
                                       params['workers'])
        return dict(result, failure=failure, plan=subject_items(result))
    result = SubjectManager(RegistryClient(params), run.check_mode).ensure(params)
    entry = dict(result, subject=params['subject'] or '(global)')
    result['plan'] = subject_items({'subjects': [entry]})
    if result['changed']:
        result['diff'] = diff_entries([entry], 'subject', empty='')[0]
    result.pop('before', None)
    result.pop('after', None)
    return result


def schema_subject_needs(params):
    """fastavro, when any subject of the request carries an AVRO schema (parsed locally)."""
    entries = params['subjects'] or [params]
    return ['fastavro'] if any(e.get('schema') is not None and (e.get('schema_type') or 'AVRO') == 'AVRO'
                               for e in entries) else []


def schema_subject_info(run):
    params = run.params
    inputs.workers(params)
    return subject_info(RegistryClient(params), params['prefix'], params['pattern'], params['deleted'],
                        params['include_schema'], params['workers'])


def backup_folder(run):
    result = write_backup(run.params, run.check_mode)
    result['diff'] = {'before': ''.join(p + '\n' for p in result['removed']),
                      'after': ''.join(f + '\n' for f in sorted(result['files']))}
    return dict(result, changed=True)


def kafka_health(run):
    """Services down are findings, not errors; bad input (an invalid topics_config) raises K2Error. The task
    fails at or above fail_on, with the whole result."""
    params = run.params
    inputs.health(params)
    registries = registry_clients(params) if 'registry' in params['checks'] else []
    admin = KafkaAdmin(params) if needs_kafka(params['checks']) else None
    result = run_with_state(admin, registries, params, run.check_mode)
    fail_on = params['fail_on']
    if fail_on != 'never' and RANK[result['status']] >= RANK[fail_on]:
        result['failure'] = '\n'.join(result['summary'])
    return result


def kafka_health_needs(params):
    """confluent-kafka, unless only checks that need no Kafka client run (registry)."""
    return ['confluent_kafka'] if needs_kafka(params['checks']) else []


def kafka_record_scan(run):
    params = run.params
    inputs.record_scan(params)
    return scan_topic(KafkaRecords(params), RegistryClient(params), params['topic'], params['partitions'],
                      params['field'], params['group_by'], params['max_records'])


def kafka_smoke_test(run):
    """Writes one record per target and reads it back (check mode: only resolves the targets' schemas)."""
    params = run.params
    inputs.smoke_targets(params['targets'])
    items = params['targets'] or targets(params['topics_config'], params['asset_class'], params['exchange'])
    records, registry = KafkaRecords(params), RegistryClient(params)
    run.writing = True
    results = run_smoke(records, registry, items, params['marker'], run.check_mode)
    ok = None if run.check_mode else all(r['ok'] for r in results)
    failure = '; '.join(r['message'] for r in results if not r['ok']) if ok is False else None
    return dict(changed=True, ok=ok, results=results, failure=failure)
