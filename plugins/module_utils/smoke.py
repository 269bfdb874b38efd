# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbook's end-to-end check: one Avro record per topic in the Confluent wire format (magic byte 0, the
4-byte schema id the registry gave, the Avro body), read back at its offset, decoded with the schema the id
names, and compared field by field."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import decimal
import io
import json
import struct

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import fastavro
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import subject_specs, topic_specs

MAGIC = 0


def targets(config, asset_class, exchange):
    """[{topic, subject}] for every data type of one exchange, from topics.yaml."""
    subjects = dict((s['data_type'], s['subject']) for s in subject_specs(config, asset_class=asset_class))
    return [{'topic': t['name'], 'subject': subjects[t['name'].split('.')[2]]}
            for t in topic_specs(config, asset_class=asset_class, exchange=exchange)]


def sample(schema, token, now):
    """A value for every field of an Avro schema: strings carry `token`, so the record is recognisable."""
    if isinstance(schema, list):  # a union: the first branch that is not null
        return sample([s for s in schema if s != 'null'][0], token, now) if schema != ['null'] else None
    if isinstance(schema, dict):
        logical, kind = schema.get('logicalType'), schema.get('type')
        if logical == 'timestamp-millis':
            return now
        if logical == 'decimal':
            return decimal.Decimal('101.25').quantize(decimal.Decimal(1).scaleb(-int(schema.get('scale', 0))))
        if kind == 'record':
            return dict((f['name'], sample(f['type'], token, now)) for f in schema['fields'])
        if kind == 'enum':
            return schema['symbols'][0]
        if kind == 'array':
            return [sample(schema['items'], token, now)]
        if kind == 'map':
            return {'k': sample(schema['values'], token, now)}
        if kind == 'fixed':
            return b'\0' * schema['size']
        return sample(kind, token, now)
    return {'string': token, 'int': 1, 'long': 1, 'float': 1.5, 'double': 1.5, 'boolean': True,
            'bytes': b'k2', 'null': None}.get(schema, token)


def encode(schema_id, parsed, record):
    body = io.BytesIO()
    fastavro.schemaless_writer(body, parsed, record)
    return struct.pack('>bI', MAGIC, schema_id) + body.getvalue()


def decode(payload, schema_for_id):
    """(schema id, record) from Confluent wire-format bytes; schema_for_id(id) gives the parsed writer schema."""
    if len(payload) < 5 or payload[0] != MAGIC:
        raise K2Error('not Confluent wire format: the first byte is %r, expected magic byte 0' % payload[:1])
    schema_id = struct.unpack('>I', payload[1:5])[0]
    return schema_id, fastavro.schemaless_reader(io.BytesIO(payload[5:]), schema_for_id(schema_id))


def schema_reader(registry):
    """schema_for_id(id): the parsed writer schema of a schema id, asked of the registry once per id."""
    parsed_by_id = {}

    def schema_for_id(schema_id):
        if schema_id not in parsed_by_id:
            found = registry.schema_by_id(schema_id)
            if not found:
                raise K2Error('the registry does not know schema id %d' % schema_id)
            parsed_by_id[schema_id] = fastavro.parse_schema(json.loads(found['schema']))
        return parsed_by_id[schema_id]
    return schema_for_id


def run(records, registry, items, token, check_mode=False):
    """Produce, read back, decode and compare one record per {topic, subject}. records: KafkaRecords (or a fake);
    registry: RegistryClient (or a fake)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    schema_for_id, results = schema_reader(registry), []

    for item in items:
        latest = registry.version(item['subject'])
        if not latest:
            raise K2Error('subject %s has no schema; register it (register_schemas.yml) before the smoke test'
                          % item['subject'])
        schema = json.loads(latest['schema'])
        record = sample(schema, token, now)
        result = {'topic': item['topic'], 'subject': item['subject'], 'schema_id': latest['id'],
                  'version': latest['version'], 'fields': len(record)}
        if check_mode:
            results.append(dict(result, ok=None, message='would produce one record and read it back'))
            continue
        payload = encode(latest['id'], fastavro.parse_schema(schema), record)
        partition, offset = records.produce(item['topic'], token.encode('utf-8'), payload)
        dummy, value = records.read_at(item['topic'], partition, offset)
        schema_id, got = decode(value, schema_for_id)
        mismatched = sorted(k for k in record if got.get(k) != record[k])
        ok = schema_id == latest['id'] and not mismatched
        results.append(dict(result, partition=partition, offset=offset, bytes=len(value), ok=ok,
                            mismatched_fields=mismatched,
                            message='%s: %d fields of %s v%d (schema id %d) written at partition %d offset %d and '
                                    'read back %s' % (item['topic'], len(record), item['subject'], latest['version'],
                                                      latest['id'], partition, offset,
                                                      'identical' if ok else 'DIFFERENT: %s' % ', '.join(mismatched))))
    return results
