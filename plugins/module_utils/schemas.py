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
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import INCOMPATIBLE, RegistryError

try:
    import fastavro
    FASTAVRO_IMPORT_ERROR = None
except ImportError:
    fastavro = None
    FASTAVRO_IMPORT_ERROR = traceback.format_exc()

SCHEMA_TYPES = ['AVRO', 'JSON', 'PROTOBUF']
MODES = ['READWRITE', 'READONLY', 'IMPORT']


def require_fastavro(module, params):
    """An AVRO schema is parsed locally: without fastavro, fail with missing_required_lib."""
    if fastavro is None and params.get('schema') is not None and params.get('schema_type', 'AVRO') == 'AVRO':
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
    if schema_type == 'AVRO':
        if fastavro is None:
            raise K2Error('fastavro is needed to parse Avro schemas locally: pip install fastavro',
                          exception=FASTAVRO_IMPORT_ERROR)
        try:
            fastavro.parse_schema(parsed, _write_hint=False, _force=True)
        except Exception as exc:  # fastavro raises SchemaParseException, UnknownType, KeyError, ...
            raise K2Error('schema: not a valid Avro schema: %s: %s' % (type(exc).__name__, exc))
    return json.dumps(parsed, separators=(',', ':'))


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

    def ensure(self, p):
        subject = p.get('subject')
        if not subject:
            return self._ensure_global(p)
        if p['state'] == 'absent':
            return self._ensure_absent(subject, p.get('permanent'))
        result = {'subject': subject, 'changed': False, 'id': None, 'version': None, 'actions': []}
        schema_type = p.get('schema_type') or 'AVRO'
        text = prepare_schema(p['schema'], schema_type) if p.get('schema') is not None else None
        latest = self.client.version(subject)
        result['before'] = _pretty(latest and latest['schema'], schema_type)
        if p.get('mode'):
            self._set_mode(result, p['mode'], subject)
        deferred = p.get('compatibility') and self._set_compatibility(result, p['compatibility'], subject,
                                                                      exists=latest is not None)
        if text is not None:
            self._ensure_schema(result, subject, text, schema_type, p, latest)
        if deferred:
            self._set_compatibility(result, p['compatibility'], subject, exists=True)
        result['compatibility'] = p.get('compatibility') or self.client.compatibility(subject)
        after = text if 'register' in result['actions'] else latest and latest['schema']
        result['after'] = _pretty(after, schema_type)
        return result

    def _ensure_schema(self, result, subject, text, schema_type, p, latest):
        body = payload(text, schema_type, p.get('references'), p.get('id'), p.get('version'))
        found = self.client.lookup(subject, payload(text, schema_type, p.get('references')), p.get('normalize'))
        if found is None and latest is not None and same_schema(latest['schema'], text, schema_type):
            found = latest  # registries that compare schema text literally
        if found is not None:
            if p.get('id') is not None and found.get('id') != p['id']:
                raise K2Error('subject %s already has this schema with id %s, not the requested id %s; ids cannot '
                              'be changed, restore into an empty registry' % (subject, found.get('id'), p['id']))
            result.update(id=found.get('id'), version=found.get('version'))
            return
        if p.get('id') is not None or p.get('version') is not None:
            self._require_import_mode(subject)
        elif latest is not None:
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


def subject_info(client, prefix=None, pattern=None, deleted=False, include_schema=True):
    regex = compile_pattern(pattern)
    subjects = [s for s in client.subjects(prefix, deleted) if regex is None or regex.search(s)]
    out = []
    for subject in sorted(subjects):
        versions = []
        for number in client.versions(subject, deleted):
            entry = client.version(subject, number, deleted) or {}
            item = {'version': entry.get('version', number), 'id': entry.get('id'),
                    'schema_type': entry.get('schemaType') or 'AVRO', 'references': entry.get('references') or []}
            if include_schema:
                item['schema'] = entry.get('schema')
            versions.append(item)
        out.append({'subject': subject, 'versions': versions, 'compatibility': client.compatibility(subject),
                    'latest_version': versions[-1]['version'] if versions else None,
                    'latest_id': versions[-1]['id'] if versions else None})
    return {'subjects': out, 'global_compatibility': client.compatibility(), 'mode': client.mode()}
