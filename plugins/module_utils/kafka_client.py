# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that builds Kafka admin clients and the connection settings every Kafka client uses.

`kafka_argument_spec()` pairs with the `k2.kafka_ops.kafka` doc fragment. `KafkaAdmin` wraps
confluent-kafka's AdminClient: every call is batched (one request for many topics), bounded by
`request_timeout`, and returns plain data so the planners can be tested with a fake of this class.
Producing and reading records (KafkaRecords) is module_utils/kafka_records.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.k2.kafka_ops.plugins.module_utils import kafka_wire
from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error

CONFLUENT_KAFKA_MIN = (2, 3, 0)
try:
    import confluent_kafka
    from confluent_kafka import (ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicCollection,
                                 TopicPartition)
    from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                       ConfigSource, NewPartitions, NewTopic, OffsetSpec, ResourceType)
    CONFLUENT_KAFKA_IMPORT_ERROR = None
except ImportError:
    confluent_kafka = None
    CONFLUENT_KAFKA_IMPORT_ERROR = traceback.format_exc()

TOPIC_EXISTS = 'already exists: '
SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']


def kafka_argument_spec():
    """Connection options shared by every module (doc fragment k2.kafka_ops.kafka)."""
    return dict(
        bootstrap_servers=dict(type='str', default='127.0.0.1:9092',
                               fallback=(env_fallback, ['K2_KAFKA_BOOTSTRAP_SERVERS'])),
        security_protocol=dict(type='str', default='PLAINTEXT', choices=SECURITY_PROTOCOLS),
        sasl_mechanism=dict(type='str', choices=SASL_MECHANISMS),
        sasl_username=dict(type='str'),
        sasl_password=dict(type='str', no_log=True),
        ssl_cafile=dict(type='path'),
        ssl_certfile=dict(type='path'),
        ssl_keyfile=dict(type='path'),
        ssl_keyfile_password=dict(type='str', no_log=True),
        request_timeout=dict(type='int', default=30),
    )


def require_confluent_kafka(module):
    """Fail with missing_required_lib when confluent-kafka is absent or older than the floor."""
    if confluent_kafka is None:
        module.fail_json(msg=missing_required_lib('confluent-kafka'), exception=CONFLUENT_KAFKA_IMPORT_ERROR)
    text = getattr(confluent_kafka, '__version__', None) or confluent_kafka.version()
    text = text[0] if isinstance(text, tuple) else text  # older releases return (version, int)
    version = tuple(int(p) for p in text.split('.')[:3] if p.isdigit())
    if version < CONFLUENT_KAFKA_MIN:
        module.fail_json(msg='confluent-kafka %s is too old: k2.kafka_ops needs %s or newer'
                         % (text, '.'.join(str(v) for v in CONFLUENT_KAFKA_MIN)))


def client_config(params):
    """librdkafka settings from module params; a request that cannot connect is refused by field name."""
    protocol = params.get('security_protocol') or 'PLAINTEXT'
    timeout_ms = int(params.get('request_timeout') or 30) * 1000
    if timeout_ms <= 0:
        raise K2Error("request_timeout: expected a positive number of seconds, got %r" % params['request_timeout'])
    conf = {
        'bootstrap.servers': params['bootstrap_servers'],
        'security.protocol': protocol,
        'client.id': 'k2.kafka_ops',
        'socket.timeout.ms': timeout_ms,
        'socket.connection.setup.timeout.ms': timeout_ms,
        'reconnect.backoff.max.ms': 1000,
    }
    if protocol.startswith('SASL'):
        missing = [f for f in ('sasl_mechanism', 'sasl_username', 'sasl_password') if not params.get(f)]
        if missing:
            raise K2Error("security_protocol %s needs %s; set them (e.g. sasl_mechanism: SCRAM-SHA-512)"
                          % (protocol, ', '.join(missing)))
        conf.update({'sasl.mechanism': params['sasl_mechanism'], 'sasl.username': params['sasl_username'],
                     'sasl.password': params['sasl_password']})
    if protocol.endswith('SSL'):
        for field, key in (('ssl_cafile', 'ssl.ca.location'), ('ssl_certfile', 'ssl.certificate.location'),
                           ('ssl_keyfile', 'ssl.key.location'), ('ssl_keyfile_password', 'ssl.key.password')):
            if params.get(field):
                if field != 'ssl_keyfile_password':
                    _check_readable(field, params[field])
                conf[key] = params[field]
    return conf


def _check_readable(field, path):
    """librdkafka raises from the client constructor on an unreadable TLS file; say which option and path."""
    if not os.path.isfile(path):
        raise K2Error('%s: %s does not exist or is not a file; give the path of the PEM file on the host that '
                      'runs the module' % (field, path))
    if not os.access(path, os.R_OK):
        raise K2Error('%s: %s is not readable by this user; fix its permissions or run as a user that may read '
                      'it' % (field, path))


class _ClientEvents:
    """Keeps the client's last connection errors so a timeout can say why (refused, TLS, auth)."""

    def __init__(self):
        self.errors = []

    def on_error(self, err):
        self.errors = (self.errors + [err.str()])[-3:]

    # logging.Logger duck type for librdkafka's log callback: keep it off stderr, remember failures.
    def log(self, level, fmt, *args):
        text = fmt % args if args else fmt
        if level <= 4 and ('fail' in text.lower() or 'error' in text.lower()):
            self.errors = (self.errors + [text])[-3:]

    def last(self):
        return '; '.join(self.errors)


def err_text(exc):
    err = exc.args[0] if exc.args else exc
    return err.str() if hasattr(err, 'str') else str(err)


def _err_code(exc):
    err = exc.args[0] if exc.args else None
    return err.code() if hasattr(err, 'code') else None


def _layout(partitions):
    """{partitions, replication_factor, partition_details} from (id, leader, replicas, isr) per partition."""
    details = sorted(({'partition': pid, 'leader': leader, 'replicas': replicas, 'isr': isr}
                      for pid, leader, replicas, isr in partitions), key=lambda d: d['partition'])
    return {'partitions': len(details), 'replication_factor': len(details[0]['replicas']) if details else 0,
            'partition_details': details}


# above this many names, describe_topics reads one metadata request for the cluster instead
METADATA_THRESHOLD = 50


class KafkaAdmin:
    """Batched admin operations returning plain data. One instance = one client = one connection set."""

    def __init__(self, params):
        self.params = params
        self.timeout = float(params.get('request_timeout') or 30)
        self.events = _ClientEvents()
        conf = client_config(params)
        conf['error_cb'] = self.events.on_error
        conf['logger'] = self.events
        try:
            self.client = AdminClient(conf)
        except KafkaException as exc:
            raise K2Error('cannot create a Kafka client for %s: %s. Check the security_protocol, sasl_* and '
                          'ssl_* options.' % (params.get('bootstrap_servers'), err_text(exc)))

    # -- plumbing ---------------------------------------------------------------------------------

    def _kw(self, **extra):
        extra.setdefault('request_timeout', self.timeout)
        return extra

    def _result(self, future, what):
        try:
            return future.result(timeout=self.timeout + 5)
        except Exception as exc:  # concurrent TimeoutError or KafkaException
            raise self._connection_error(exc, what)

    def _connection_error(self, exc, what):
        code = _err_code(exc)
        text = err_text(exc) if isinstance(exc, KafkaException) else (str(exc) or type(exc).__name__)
        try:
            self.client.poll(0)  # serve error_cb and the log callback: they say why the connection failed
        except Exception:  # pylint: disable=broad-except
            pass
        hint = self.events.last()
        if 'authentication' in hint.lower() or 'sasl' in hint.lower() and 'fail' in hint.lower():
            code = KafkaError._AUTHENTICATION
            text = hint
        if code in (KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN) or \
                not isinstance(exc, KafkaException):
            return K2Error("Kafka at %s did not answer %s within request_timeout=%ss (%s%s). Check "
                           "bootstrap_servers, security_protocol and that the brokers are up."
                           % (self.params['bootstrap_servers'], what, int(self.timeout), text,
                              '; client said: ' + hint if hint else ''))
        if code in (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED):
            return K2Error("Kafka at %s refused authentication for %r: %s. Check sasl_username, "
                           "sasl_password and sasl_mechanism." % (self.params['bootstrap_servers'],
                                                                  self.params.get('sasl_username'), text))
        return K2Error("Kafka %s failed: %s" % (what, text))

    def _per_item(self, futures, what, ok_codes=()):
        """{key: None on success or the broker's message}; a connection failure aborts the whole call.
        A topic that already exists is reported as TOPIC_EXISTS + message so the planner can re-read it."""
        out = {}
        for key, future in futures.items():
            try:
                future.result(timeout=self.timeout + 5)
                out[key] = None
            except KafkaException as exc:
                code = _err_code(exc)
                if code in (KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN):
                    raise self._connection_error(exc, what)
                if code in ok_codes:
                    out[key] = None
                else:
                    out[key] = (TOPIC_EXISTS if code == KafkaError.TOPIC_ALREADY_EXISTS else '') + err_text(exc)
            except Exception as exc:
                raise self._connection_error(exc, what)
        return out

    # -- cluster and topics -----------------------------------------------------------------------

    def describe_cluster(self):
        desc = self._result(self.client.describe_cluster(**self._kw()), 'describe cluster')
        return {
            'cluster_id': desc.cluster_id,
            'controller_id': desc.controller.id if desc.controller else None,
            'brokers': sorted(({'id': n.id, 'host': n.host, 'port': n.port, 'rack': n.rack} for n in desc.nodes),
                              key=lambda b: b['id']),
        }

    def cluster_metadata(self):
        """Cluster id, controller, brokers and partition health from one metadata request."""
        try:
            meta = self.client.list_topics(timeout=self.timeout)
        except KafkaException as exc:
            raise self._connection_error(exc, 'a metadata request')
        under, offline = [], []
        for name, topic in meta.topics.items():
            for part in topic.partitions.values():
                where = '%s-%d' % (name, part.id)
                if part.leader < 0:
                    offline.append(where)
                elif len(part.isrs) < len(part.replicas):
                    under.append(where)
        return {
            'cluster_id': meta.cluster_id,
            'controller_id': meta.controller_id if meta.controller_id >= 0 else None,
            'brokers': sorted(({'id': b.id, 'host': b.host, 'port': b.port} for b in meta.brokers.values()),
                              key=lambda b: b['id']),
            'topic_count': len(meta.topics),
            'under_replicated_partitions': sorted(under),
            'offline_partitions': sorted(offline),
        }

    def describe_log_dirs(self, brokers):
        """{broker id: [{log_dir, error, total_bytes, usable_bytes, partitions: {(topic, partition): bytes}}]}, or
        {broker id: message} for a broker that could not be asked; `brokers` as describe_cluster gives them.
        confluent-kafka has no DescribeLogDirs, so it goes over kafka_wire with this client's connection options,
        one connection per broker."""
        return kafka_wire.describe_log_dirs(brokers, self.params, self.timeout)

    def list_topic_names(self):
        """Every topic name, internal ones included: one metadata request."""
        try:
            meta = self.client.list_topics(timeout=self.timeout)
        except KafkaException as exc:
            raise self._connection_error(exc, 'a metadata request')
        return sorted(meta.topics)

    def describe_topics(self, names):
        """{name: {partitions, replication_factor, partition_details}} for the topics that exist.

        Many names are read from one metadata request for the whole cluster (for 1,000 topics, less than half
        the time of DescribeTopics' per-topic results); a few through DescribeTopics."""
        names = sorted(set(names))
        if not names:
            return {}
        if len(names) > METADATA_THRESHOLD:
            return self._topics_from_metadata(names)
        return self._describe_topics(names)

    def _describe_topics(self, names):
        futures = self.client.describe_topics(TopicCollection(names), **self._kw())
        out = {}
        for name, future in futures.items():
            try:
                desc = future.result(timeout=self.timeout + 5)
            except KafkaException as exc:
                if _err_code(exc) == KafkaError.UNKNOWN_TOPIC_OR_PART:
                    continue
                raise self._connection_error(exc, 'describe topics')
            except Exception as exc:
                raise self._connection_error(exc, 'describe topics')
            out[name] = _layout((p.id, p.leader.id if p.leader else None, [r.id for r in p.replicas],
                                 [r.id for r in p.isr]) for p in desc.partitions)
        return out

    def _topics_from_metadata(self, names):
        try:
            meta = self.client.list_topics(timeout=self.timeout)
        except KafkaException as exc:
            raise self._connection_error(exc, 'a metadata request')
        out, unsure = {}, []
        for name in names:
            topic = meta.topics.get(name)
            if topic is None or (topic.error is not None and topic.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART):
                continue
            if topic.error is not None:  # e.g. a leader being elected right after a create: ask DescribeTopics
                unsure.append(name)
                continue
            out[name] = _layout((p.id, p.leader if p.leader >= 0 else None, list(p.replicas), list(p.isrs))
                                for p in topic.partitions.values())
        if unsure:
            out.update(self._describe_topics(unsure))
        return out

    def describe_topic_configs(self, names):
        """{name: {key: {value, override, read_only, sensitive}}} in one DescribeConfigs request."""
        resources = [ConfigResource(ResourceType.TOPIC, n) for n in sorted(set(names))]
        if not resources:
            return {}
        futures = self.client.describe_configs(resources, **self._kw())
        out = {}
        for resource, future in futures.items():
            entries = self._result(future, 'describe configs')
            out[resource.name] = dict(
                (key, {'value': e.value, 'override': e.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value,
                       'read_only': bool(e.is_read_only), 'sensitive': bool(e.is_sensitive)})
                for key, e in entries.items())
        return out

    def create_topics(self, specs, validate_only=False):
        new = [NewTopic(s['name'], num_partitions=s['partitions'],
                        replication_factor=s.get('replication_factor') or -1,
                        config=dict(s.get('config') or {})) for s in specs]
        if not new:
            return {}
        futures = self.client.create_topics(new, operation_timeout=self.timeout, validate_only=validate_only,
                                            **self._kw())
        return self._per_item(futures, 'create topics')

    def create_partitions(self, counts, validate_only=False):
        new = [NewPartitions(name, count) for name, count in sorted(counts.items())]
        if not new:
            return {}
        futures = self.client.create_partitions(new, operation_timeout=self.timeout,
                                                validate_only=validate_only, **self._kw())
        return self._per_item(futures, 'create partitions')

    def alter_topic_configs(self, changes, validate_only=False):
        """changes: {topic: {'set': {key: value}, 'delete': [key]}}, one IncrementalAlterConfigs request."""
        resources = []
        for name, change in sorted(changes.items()):
            entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET)
                       for k, v in sorted(change.get('set', {}).items())]
            entries += [ConfigEntry(k, None, incremental_operation=AlterConfigOpType.DELETE)
                        for k in sorted(change.get('delete', []))]
            resources.append(ConfigResource(ResourceType.TOPIC, name, incremental_configs=entries))
        if not resources:
            return {}
        futures = self.client.incremental_alter_configs(resources, validate_only=validate_only, **self._kw())
        return dict((res.name, err) for res, err in self._per_item(futures, 'alter configs').items())

    def delete_topics(self, names):
        if not names:
            return {}
        futures = self.client.delete_topics(sorted(names), operation_timeout=self.timeout, **self._kw())
        # already gone (a delete still propagating) is what was asked for
        return self._per_item(futures, 'delete topics', ok_codes=(KafkaError.UNKNOWN_TOPIC_OR_PART,))

    def list_offsets(self, partitions, spec):
        """partitions: [(topic, partition)], spec: 'earliest'|'latest' -> {(topic, partition): offset}."""
        if not partitions:
            return {}
        offset_spec = OffsetSpec.earliest() if spec == 'earliest' else OffsetSpec.latest()
        request = dict((TopicPartition(t, p), offset_spec) for t, p in partitions)
        futures = self.client.list_offsets(request, **self._kw())
        out = {}
        for tp, future in futures.items():
            out[(tp.topic, tp.partition)] = self._result(future, 'list offsets').offset
        return out

    # -- consumer groups --------------------------------------------------------------------------

    def list_groups(self):
        """[{group_id, state, simple}] of every consumer group."""
        listing = self._result(self.client.list_consumer_groups(**self._kw()), 'list consumer groups')
        return sorted(({'group_id': g.group_id, 'state': _enum_name(g.state),
                        'simple': bool(g.is_simple_consumer_group)} for g in listing.valid),
                      key=lambda g: g['group_id'])

    def describe_groups(self, group_ids):
        """{group: {state, members: [{member_id, client_id, host, assignment}]}} in one request."""
        if not group_ids:
            return {}
        futures = self.client.describe_consumer_groups(sorted(group_ids), **self._kw())
        out = {}
        for group, future in futures.items():
            desc = self._result(future, 'describe consumer groups')
            out[group] = {'state': _enum_name(desc.state), 'members': [
                {'member_id': m.member_id, 'client_id': m.client_id, 'host': m.host,
                 'assignment': sorted('%s-%d' % (tp.topic, tp.partition)
                                      for tp in (m.assignment.topic_partitions if m.assignment else []))}
                for m in desc.members]}
        return out

    def group_offsets(self, group_ids):
        """{group: {(topic, partition): committed offset}}. The API takes one group per request, so every
        request is sent first and the answers collected after: one round trip in all."""
        futures = {}
        for group in sorted(group_ids):
            futures.update(self.client.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                                   **self._kw()))
        out = {}
        for group, future in futures.items():
            answer = self._result(future, 'list consumer group offsets')
            out[group] = dict(((tp.topic, tp.partition), tp.offset) for tp in answer.topic_partitions
                              if tp.offset >= 0)
        return out

    def alter_group_offsets(self, offsets):
        """offsets: {group: {(topic, partition): offset}} -> {group: None or error}."""
        futures = {}
        for group, parts in sorted(offsets.items()):
            request = ConsumerGroupTopicPartitions(group, [TopicPartition(t, p, o) for (t, p), o in sorted(parts.items())])
            futures.update(self.client.alter_consumer_group_offsets([request], **self._kw()))
        return self._per_item(futures, 'alter consumer group offsets')


def _enum_name(value):
    return getattr(value, 'name', None) or str(value)
