# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schema Registry subjects as desired state: register when different, after a compatibility test;
set levels and modes; soft and hard delete; describe."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import traceback

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.six import string_types

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import INCOMPATIBLE, RegistryError, parallel_map
from ansible_collections.k2.kafka_ops.plugins.module_utils.results import diff_entries
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import COMPATIBILITY_LEVELS

try:
    import fastavro
    FASTAVRO_IMPORT_ERROR = None
except ImportError:
    fastavro = None
    FASTAVRO_IMPORT_ERROR = traceback.format_exc()

SCHEMA_TYPES = ['AVRO', 'JSON', 'PROTOBUF']
MODES = ['READWRITE', 'READONLY', 'IMPORT']


def subject_options(batch=False):
    """schema_subject's options for one subject: the single form's top level, or one entry of `subjects`."""
    return dict(
        subject=dict(type='str', required=batch),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        schema=dict(type='raw'),
        schema_type=dict(type='str', default='AVRO', choices=SCHEMA_TYPES),
        references=dict(type='list', elements='dict'),
        normalize=dict(type='bool', default=False),
        compatibility=dict(type='str', choices=COMPATIBILITY_LEVELS),
        mode=dict(type='str', choices=MODES),
        id=dict(type='int'),
        version=dict(type='int'),
        permanent=dict(type='bool', default=False),
    )


def require_fastavro(module):
    """Avro schemas are parsed and records decoded locally: without fastavro, fail with missing_required_lib."""
    if fastavro is None:
        module.fail_json(msg=missing_required_lib('fastavro'), exception=FASTAVRO_IMPORT_ERROR)


def prepare_schema(schema, schema_type):
    """Parse the schema locally and return its canonical text (compact JSON for AVRO and JSON)."""
    if schema_type == 'PROTOBUF':
        if not isinstance(schema, string_types) or not schema.strip():
            raise K2Error('schema: a PROTOBUF schema is .proto text, got %r' % (schema,))
        return schema.strip()
    if isinstance(schema, string_types):
        try:
            parsed = json.loads(schema)
        except ValueError as exc:
            raise K2Error('schema: not valid JSON (%s); an %s schema is JSON text or a dict' % (exc, schema_type))
    else:
        parsed = schema
    if (isinstance(parsed, bool) and schema_type == 'AVRO') or not isinstance(parsed, (dict, list, bool) + string_types):
        raise K2Error('schema: expected the schema as JSON text, a dict or (a union) a list, got %s %r'
                      % (type(parsed).__name__, parsed))
    if schema_type == 'AVRO':
        if fastavro is None:
            raise K2Error('fastavro is needed to parse Avro schemas locally: pip install fastavro',
                          exception=FASTAVRO_IMPORT_ERROR)
        try:
            fastavro.parse_schema(parsed, _write_hint=False, _force=True)
        except Exception as exc:  # fastavro raises SchemaParseException, UnknownType, KeyError, ...
            raise K2Error('schema: not a valid Avro schema: %s: %s' % (type(exc).__name__, exc))
        _records_have_fields(parsed)
    return json.dumps(parsed, separators=(',', ':'))


def _records_have_fields(node):
    """fastavro takes a record without `fields`; Avro's specification and the registries do not."""
    if isinstance(node, list):
        for item in node:
            _records_have_fields(item)
    elif isinstance(node, dict):
        if node.get('type') in ('record', 'error') and not isinstance(node.get('fields'), list):
            raise K2Error('schema: record %s has no fields list; give "fields": [...] (an empty list for no '
                          'fields)' % node.get('name', '(unnamed)'))
        for key in ('fields', 'items', 'values', 'type'):
            if isinstance(node.get(key), (dict, list)):
                _records_have_fields(node[key])


def same_schema(left, right, schema_type):
    if schema_type == 'PROTOBUF':
        return left.strip() == right.strip()
    try:
        return json.loads(left) == json.loads(right)
    except (TypeError, ValueError):
        return left == right


def payload(text, schema_type, references=None, schema_id=None, version=None):
    out = {'schema': text}
    if schema_type != 'AVRO':
        out['schemaType'] = schema_type
    if references:
        out['references'] = references
    if schema_id is not None:
        out['id'] = schema_id
    if version is not None:
        out['version'] = version
    return out


def _pretty(text, schema_type):
    if text is None:
        return ''
    if schema_type == 'PROTOBUF':
        return text + '\n'
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True) + '\n'
    except ValueError:
        return text + '\n'


class SubjectManager:
    """One subject's desired state against one registry client (real or fake)."""

    def __init__(self, client, check_mode=False):
        self.client = client
        self.check_mode = check_mode

    def ensure(self, p, test_compatibility=True):
        """The subject's (or the global) desired state; `test_compatibility=False` skips the registry's
        compatibility test (a batch's preflight, for a subject's second and later schemas)."""
        subject = p.get('subject')
        if not subject:
            return self._ensure_global(p)
        if p['state'] == 'absent':
            return self._ensure_absent(subject, p.get('permanent'))
        result = {'subject': subject, 'changed': False, 'id': None, 'version': None, 'actions': []}
        schema_type = p.get('schema_type') or 'AVRO'
        text = prepare_schema(p['schema'], schema_type) if p.get('schema') is not None else None
        latest = self.client.version(subject)
        result['latest_version'] = latest and latest.get('version')
        result['before'] = _pretty(latest and latest['schema'], schema_type)
        if p.get('mode'):
            self._set_mode(result, p['mode'], subject)
        deferred = p.get('compatibility') and self._set_compatibility(result, p['compatibility'], subject,
                                                                      exists=latest is not None)
        if text is not None:
            # in check mode a level change is not made, so a test now would be at the wrong level: it runs at apply
            level_pending = self.check_mode and 'compatibility' in result['actions']
            self._ensure_schema(result, subject, text, schema_type, p, latest,
                                test_compatibility and not level_pending)
        if deferred:
            self._set_compatibility(result, p['compatibility'], subject, exists=True)
        result['compatibility'] = p.get('compatibility') or self.client.compatibility(subject)
        after = text if 'register' in result['actions'] else latest and latest['schema']
        result['after'] = _pretty(after, schema_type)
        return result

    def _ensure_schema(self, result, subject, text, schema_type, p, latest, test_compatibility=True):
        body = payload(text, schema_type, p.get('references'), p.get('id'), p.get('version'))
        found = None
        if latest is not None and same_schema(latest['schema'], text, schema_type) and \
                (latest.get('references') or []) == (p.get('references') or []):
            found = latest  # the common no-op: the latest version is this schema, no lookup needed
        elif latest is not None:
            found = self.client.lookup(subject, payload(text, schema_type, p.get('references')), p.get('normalize'))
        if found is not None:
            if p.get('id') is not None and found.get('id') != p['id']:
                raise K2Error('subject %s already has this schema with id %s, not the requested id %s; ids cannot '
                              'be changed, restore into an empty registry' % (subject, found.get('id'), p['id']))
            result.update(id=found.get('id'), version=found.get('version'))
            return
        if p.get('id') is not None or p.get('version') is not None:
            self._require_import_mode(subject)
        elif latest is not None and test_compatibility:
            compatible, reasons = self.client.test_compatibility(subject, body)
            if not compatible:
                raise self._incompatible(subject, reasons)
        result['changed'] = True
        result['actions'].append('register')
        if self.check_mode:
            return
        try:
            result['id'] = self.client.register(subject, body, p.get('normalize'))
        except RegistryError as exc:
            if exc.code in INCOMPATIBLE:
                raise self._incompatible(subject, [exc.msg])
            raise
        registered = self.client.lookup(subject, payload(text, schema_type, p.get('references')),
                                        p.get('normalize')) or self.client.version(subject)
        result['version'] = registered and registered.get('version')

    def _incompatible(self, subject, reasons):
        level = self.client.compatibility(subject) or self.client.compatibility() or 'unknown'
        why = '; '.join(reasons) if reasons else ('the registry gave no reasons (it does not support '
                                                  'verbose compatibility checks)')
        return K2Error('schema for subject %s is incompatible with its latest version at compatibility level %s, '
                       'nothing was registered: %s. Give new fields defaults and keep required fields, or '
                       'change the level' % (subject, level, why), reasons=reasons, compatibility=level)

    def _require_import_mode(self, subject):
        mode = self.client.mode(subject)
        if mode is None:
            raise K2Error('subject %s: registering with an explicit id/version needs IMPORT mode, and the registry '
                          'at %s has no mode API; register without id and version instead'
                          % (subject, self.client.last_url))
        if mode != 'IMPORT' and not self.check_mode:
            raise K2Error('subject %s: registering with an explicit id/version needs IMPORT mode but the mode is %s; '
                          'set mode: IMPORT (on the subject or globally) first' % (subject, mode))

    def _set_compatibility(self, result, level, subject, exists):
        """Set the level if it differs. Returns True when it must wait until the subject exists."""
        if self.client.compatibility(subject) == level:
            return False
        if 'compatibility' not in result['actions']:
            result['actions'].append('compatibility')
        result['changed'] = True
        if self.check_mode:
            return False
        try:
            self.client.set_compatibility(level, subject)
        except RegistryError as exc:
            if exc.code == 40401 and not exists:
                return True
            raise
        return False

    def _set_mode(self, result, mode, subject=None):
        if self.client.mode(subject) == mode:
            return
        result['changed'] = True
        result['actions'].append('mode')
        if not self.check_mode:
            self.client.set_mode(mode, subject)

    def _ensure_global(self, p):
        result = {'subject': None, 'changed': False, 'actions': []}
        if p.get('mode'):
            self._set_mode(result, p['mode'])
        if p.get('compatibility'):
            self._set_compatibility(result, p['compatibility'], None, exists=True)
        result['compatibility'] = p.get('compatibility') or self.client.compatibility()
        result['mode'] = p.get('mode') or self.client.mode()
        return result

    def _ensure_absent(self, subject, permanent):
        live = self.client.versions(subject)
        soft = [v for v in self.client.versions(subject, deleted=True) if v not in live] if permanent else []
        result = {'subject': subject, 'changed': bool(live or soft), 'actions': [],
                  'deleted_versions': sorted(live + soft)}
        latest = self.client.version(subject) if live else None
        result['before'] = _pretty(latest and latest['schema'], (latest or {}).get('schemaType') or 'AVRO')
        result['after'] = ''
        if live:
            result['actions'].append('soft_delete')
        if permanent and (live or soft):
            result['actions'].append('hard_delete')
        if self.check_mode or not result['changed']:
            return result
        if live:
            self.client.delete_subject(subject)
        if permanent:
            self.client.delete_subject(subject, permanent=True)
        return result


BATCH_NOTE = ('each subject is checked against the registry before anything is applied, up to its first change; '
              'its later entries (a restore\'s versions after a delete or a registration) are checked as they are '
              'applied, in order')


def validate_entries(entries):
    """Parse every entry's schema locally; one K2Error naming every bad entry, before any request."""
    problems = []
    for index, entry in enumerate(entries):
        if not entry.get('subject'):
            problems.append('subjects[%d]: no subject; every entry names its subject (global settings take the '
                            'single form: compatibility/mode without subject)' % index)
        elif entry.get('state', 'present') == 'present' and entry.get('schema') is not None:
            try:
                prepare_schema(entry['schema'], entry.get('schema_type') or 'AVRO')
            except K2Error as exc:
                problems.append('subjects[%d] (%s): %s' % (index, entry['subject'], exc.msg))
    if problems:
        raise K2Error('%d of %d subject entries are invalid, nothing was changed: %s'
                      % (len(problems), len(entries), '; '.join(problems)), problems=problems)


def _attempt(manager, entry, test_compatibility=True):
    try:
        return manager.ensure(entry, test_compatibility)
    except K2Error as exc:
        failed = {'subject': entry['subject'], 'changed': False, 'actions': [], 'error': exc.msg}
        if exc.details.get('reasons') is not None:
            failed['reasons'] = exc.details['reasons']
        return failed


def _run_group(manager, group, preflight):
    """One subject's entries in order; after an error the rest of that subject's entries are skipped."""
    out, stale, failed = [], False, False
    for index, entry in group:
        if failed:
            out.append((index, {'subject': entry['subject'], 'changed': False, 'actions': [],
                                'skipped': 'an earlier entry for this subject failed'}))
            continue
        # a preflight reads the registry as it is: once an earlier entry would change the subject (a delete, a
        # registration), a test against it would be against the wrong state, so the test waits for the apply
        result = _attempt(manager, entry, test_compatibility=not (preflight and stale))
        if preflight and stale and 'error' in result:
            # judged against the state before the earlier steps (e.g. an id check before the delete that frees
            # it): not a refusal, the apply decides
            result = {'subject': entry['subject'], 'changed': True, 'actions': ['deferred'],
                      'deferred': 'decided when applied, after this subject\'s earlier entries: %s' % result['error']}
        stale = stale or entry.get('schema') is not None or result['changed']
        failed = 'error' in result
        out.append((index, result))
    return out


def ensure_subjects(client, entries, check_mode=False, workers=4):
    """Many subjects in one task: validate all, preflight all (reads and compatibility tests, in parallel),
    refuse the whole batch when any subject is refused, then apply the subjects that change.

    Entries for the same subject run in their given order (a restore's mode, versions, mode); different subjects
    run in parallel over `workers` connections. Returns (results in entry order, refused, failed).
    """
    validate_entries(entries)
    groups = {}
    for index, entry in enumerate(entries):
        groups.setdefault(entry['subject'], []).append((index, entry))
    groups = list(groups.values())

    def preflight(thread_client, group):
        return _run_group(SubjectManager(thread_client, check_mode=True), group, preflight=True)

    def apply(thread_client, group):
        return _run_group(SubjectManager(thread_client, check_mode=False), group, preflight=False)

    planned = parallel_map(client, preflight, groups, workers)
    results = [None] * len(entries)
    for group in planned:
        for index, result in group:
            results[index] = result
    refused = [r for r in results if 'error' in r]
    if check_mode or refused:
        return results, refused, []
    changing = [group for group, done in zip(groups, planned) if any(r['changed'] for dummy, r in done)]
    for group in parallel_map(client, apply, changing, workers):
        for index, result in group:
            results[index] = result
    return results, [], [r for r in results if 'error' in r]


def batch_result(client, entries, check_mode=False, diff=False, workers=4):
    """schema_subject's result for `subjects`: (result, failure message or None)."""
    results, refused, failed = ensure_subjects(client, entries, check_mode, workers)
    diffs = diff_entries(results, 'subject', empty='') if diff else []
    for item in results:
        item.pop('before', None)
        item.pop('after', None)
    result = {'changed': any(r['changed'] for r in results) and not refused, 'subjects': results,
              'refused': refused}
    if diffs:
        result['diff'] = diffs
    failure = None
    if refused:
        failure = ('%d of %d subject entries refused, nothing was changed (%s): %s'
                   % (len(refused), len(entries), BATCH_NOTE,
                      '; '.join('%s: %s' % (r['subject'], r['error']) for r in refused)))
    elif failed:
        failure = ('%d of %d subject entries failed while being applied; the other subjects were applied: %s'
                   % (len(failed), len(entries), '; '.join('%s: %s' % (r['subject'], r['error']) for r in failed)))
    return result, failure


def subject_info(client, prefix=None, pattern=None, deleted=False, include_schema=True, workers=4):
    """Every subject with all its versions and its level, read in parallel over `workers` connections.

    Where the registry serves GET /schemas, one request brings every version's schema and each subject costs
    two more (its version list and its level); elsewhere each version is one more request.
    """
    regex = compile_pattern(pattern)
    subjects = sorted(s for s in client.subjects(prefix, deleted) if regex is None or regex.search(s))
    listing = (client.all_schemas(prefix, deleted) or {}) if subjects else {}

    def read(thread_client, subject):
        known = listing.get(subject, {})
        versions = []
        for number in thread_client.versions(subject, deleted):
            entry = known.get(number) or thread_client.version(subject, number, deleted) or {}
            item = {'version': entry.get('version', number), 'id': entry.get('id'),
                    'schema_type': entry.get('schemaType') or 'AVRO', 'references': entry.get('references') or []}
            if include_schema:
                item['schema'] = entry.get('schema')
            versions.append(item)
        return {'subject': subject, 'versions': versions, 'compatibility': thread_client.compatibility(subject),
                'latest_version': versions[-1]['version'] if versions else None,
                'latest_id': versions[-1]['id'] if versions else None}

    out = parallel_map(client, read, subjects, workers)
    return {'subjects': out, 'global_compatibility': client.compatibility(), 'mode': client.mode()}
