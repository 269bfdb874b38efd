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

import re
import time
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.k2.kafka_ops.plugins.module_utils import kafka_wire
from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_connection import client_config, option_names

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

TOPIC_EXISTS = 'TOPIC_ALREADY_EXISTS'


class Refusal(str):
    """A broker's refusal of one item of a batch: the broker's message, with its error's name as `code`
    (TOPIC_EXISTS for a topic that already exists), so callers decide on the code, not on the text."""

    def __new__(cls, text, code=None):
        refusal = str.__new__(cls, text)
        refusal.code = code
        return refusal


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


class ClientEvents:
    """Keeps the client's last connection errors so a timeout can say why (refused, TLS, auth)."""

    def __init__(self):
        self.errors = []
        self.refused = set()   # bootstrap addresses that refused a connection (nothing listens there)

    def on_error(self, err):
        self._remember(err.str())

    # logging.Logger duck type for librdkafka's log callback: keep it off stderr, remember failures.
    def log(self, level, fmt, *args):
        text = fmt % args if args else fmt
        if level <= 4 and ('fail' in text.lower() or 'error' in text.lower()):
            self._remember(text)

    def _remember(self, text):
        self.errors = (self.errors + [text])[-3:]
        for address in _REFUSED.findall(text):
            self.refused.add(address)

    def last(self):
        return '; '.join(e for i, e in enumerate(self.errors) if e not in self.errors[:i])


# librdkafka: "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused ..."
_REFUSED = re.compile(r'(\S+)/bootstrap: Connect to \S+ failed: Connection refused')
# a cluster that refuses every bootstrap address this long is down: say so, do not wait request_timeout
REFUSED_FOR = 1.5


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
        self.timeout = float(30 if params.get('request_timeout') is None else params['request_timeout'])
        self.events = ClientEvents()
        self.bootstrap = set(e.strip() for e in str(params.get('bootstrap_servers') or '').split(','))
        conf = client_config(params)
        conf['error_cb'] = self.events.on_error
        conf['logger'] = self.events
        try:
            self.client = AdminClient(conf)
        except KafkaException as exc:
            raise K2Error('cannot create a Kafka client for %s: %s. Check the security_protocol, sasl_* and '
                          'ssl_* options.' % (params.get('bootstrap_servers'), option_names(err_text(exc), params)))

    # -- plumbing ---------------------------------------------------------------------------------

    def _kw(self, **extra):
        extra.setdefault('request_timeout', self.timeout)
        return extra

    def _wait(self, future, what):
        """future.result(), bounded by request_timeout; a cluster that refuses every bootstrap address for
        REFUSED_FOR seconds fails at once (nothing listens there), a slow one gets the whole timeout."""
        start = time.monotonic()
        while True:
            try:
                return future.result(timeout=0.25)
            except TimeoutError:  # concurrent.futures' on Python 3.11
                pass
            elapsed = time.monotonic() - start
            if elapsed >= self.timeout + 5:
                raise self._connection_error(TimeoutError('no answer'), what)
            self.client.poll(0)  # serve the log callback, which sees the refusals
            self.refused_check(elapsed, what)

    def refused_check(self, elapsed, what):
        if elapsed >= REFUSED_FOR and self.bootstrap and self.bootstrap <= self.events.refused:
            raise K2Error("Kafka at %s refused the connection (nothing listens there) for %s: %s. "
                          "Check bootstrap_servers and that the brokers are up."
                          % (self.params['bootstrap_servers'], what, self.events.last()))

    def _result(self, future, what):
        try:
            return self._wait(future, what)
        except K2Error:
            raise
        except Exception as exc:  # KafkaException
            raise self._connection_error(exc, what)

    def _metadata(self, what):
        """list_topics(): a first short try, in which a refused connection shows; while every bootstrap address
        refuses, short tries until REFUSED_FOR says the cluster is down; a cluster that is there but slow gets
        the rest of request_timeout for one request (a short slice re-sent would never see a slow answer)."""
        start = time.monotonic()
        wait = min(0.5, self.timeout)
        while True:
            try:
                return self.client.list_topics(timeout=max(wait, 0.1))
            except KafkaException as exc:
                elapsed = time.monotonic() - start
                if _err_code(exc) not in (KafkaError._TRANSPORT, KafkaError._TIMED_OUT) or elapsed >= self.timeout:
                    raise self._connection_error(exc, what)
            self.client.poll(0)  # serve the log callback, which sees the refusals
            self.refused_check(elapsed, what)
            refusing = bool(self.bootstrap) and self.bootstrap <= self.events.refused
            wait = min(0.5, self.timeout - elapsed) if refusing else self.timeout - elapsed

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
        Each message is a Refusal carrying the error's name (TOPIC_EXISTS lets the planner re-read a topic whose
        metadata lagged its create)."""
        out = {}
        for key, future in futures.items():
            try:
                self._wait(future, what)
                out[key] = None
            except K2Error:
                raise
            except KafkaException as exc:
                code = _err_code(exc)
                if code in (KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN):
                    raise self._connection_error(exc, what)
                if code in ok_codes:
                    out[key] = None
                else:
                    out[key] = Refusal(err_text(exc), exc.args[0].name() if exc.args and hasattr(exc.args[0], 'name')
                                       else None)
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
        meta = self._metadata('a metadata request')
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
        meta = self._metadata('a metadata request')
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
                desc = self._wait(future, 'describe topics')
            except K2Error:
                raise
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
        meta = self._metadata('a metadata request')
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
        if listing.errors:  # a broker that did not answer: the list would lack its groups, never say "none"
            raise self._connection_error(listing.errors[0], 'list consumer groups from every broker (%d failed)'
                                         % len(listing.errors))
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
