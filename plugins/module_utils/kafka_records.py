# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Producing and reading records: KafkaRecords, with the connection settings of module_utils/kafka_client.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import ClientEvents, err_text
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_connection import client_config, option_names

try:
    from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
except ImportError:
    pass   # require_confluent_kafka (module_utils/kafka_client.py) fails the module before a client is built


class KafkaRecords:
    """Produce a record and read one back at its exact offset: what the runbook's console producer and
    consumer do by hand. Reading assigns the partition (no subscribe, no commit), so no consumer group is
    created on the cluster."""

    def __init__(self, params):
        self.params = params
        self.timeout = float(params.get('request_timeout') or 30)
        # librdkafka's log lines kept off the module's stderr, and remembered to say why a read failed
        self.events = ClientEvents()
        self.conf = dict(client_config(params), logger=self.events, error_cb=self.events.on_error)

    def produce(self, topic, key, value):
        """(partition, offset) of the record once the broker has it."""
        try:
            producer = Producer(dict(self.conf, **{'acks': 'all', 'linger.ms': 0}))
        except KafkaException as exc:
            raise K2Error('cannot create a Kafka producer: %s' % option_names(err_text(exc), self.params))
        delivered = {}

        def report(err, msg):
            delivered['err'], delivered['msg'] = err, msg
        producer.produce(topic, value=value, key=key, on_delivery=report)
        producer.flush(self.timeout)
        if 'msg' not in delivered:
            raise K2Error('producing to %s: no delivery report within request_timeout=%ss; check that the brokers '
                          'are up' % (topic, int(self.timeout)))
        if delivered['err'] is not None:
            raise K2Error('producing to %s failed: %s' % (topic, delivered['err'].str()))
        return delivered['msg'].partition(), delivered['msg'].offset()

    def partitions(self, topic):
        """The topic's partition ids ([] when it does not exist)."""
        consumer = self._reader()
        try:
            meta = consumer.list_topics(topic, timeout=self.timeout).topics.get(topic)
        except KafkaException as exc:
            hint = self.events.last()
            raise K2Error('reading the partitions of %s failed: %s%s. Check bootstrap_servers and that the brokers '
                          'are up.' % (topic, err_text(exc), '; client said: ' + hint if hint else ''))
        finally:
            consumer.close()
        if meta is None or meta.error is not None:
            return []
        return sorted(meta.partitions)

    def read_partition(self, topic, partition, max_records):
        """(low, high, [(offset, timestamp ms, key, value)]): the partition's last `max_records` records, read
        in offset order between its watermarks as they were when the read began."""
        consumer = self._reader(eof=True)
        rows = []
        try:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=self.timeout)
            start = max(low, high - max_records)
            if start >= high:
                return low, high, rows
            consumer.assign([TopicPartition(topic, partition, start)])
            deadline = time.time() + self.timeout
            while time.time() < deadline:
                msg = consumer.poll(1.0)
                if msg is None:
                    continue
                if msg.error() and msg.error().code() == KafkaError._PARTITION_EOF:
                    return low, high, rows   # the end, even where the last offsets are not records
                if msg.error():
                    raise K2Error('reading %s[%d] failed: %s' % (topic, partition, msg.error().str()))
                rows.append((msg.offset(), msg.timestamp()[1], msg.key(), msg.value()))
                deadline = time.time() + self.timeout
                if msg.offset() >= high - 1:
                    return low, high, rows
            raise K2Error('reading %s[%d] from offset %d: offsets up to %d did not arrive within request_timeout=%ss'
                          % (topic, partition, start, high - 1, int(self.timeout)))
        except KafkaException as exc:
            raise K2Error('reading %s[%d] failed: %s' % (topic, partition, err_text(exc)))
        finally:
            consumer.close()

    def _reader(self, eof=False):
        return Consumer(dict(self.conf, **{'group.id': 'k2-kafka-ops-read', 'enable.auto.commit': False,
                                           'enable.auto.offset.store': False, 'enable.partition.eof': eof}))

    def read_at(self, topic, partition, offset):
        """The record (key, value bytes) at topic/partition/offset."""
        consumer = self._reader()
        try:
            consumer.assign([TopicPartition(topic, partition, offset)])
            deadline = time.time() + self.timeout
            while time.time() < deadline:
                msg = consumer.poll(1.0)
                if msg is None:
                    continue
                if msg.error():
                    raise K2Error('reading %s[%d]@%d failed: %s' % (topic, partition, offset, msg.error().str()))
                if msg.offset() == offset:
                    return msg.key(), msg.value()
            raise K2Error('reading %s[%d]@%d: nothing within request_timeout=%ss'
                          % (topic, partition, offset, int(self.timeout)))
        finally:
            consumer.close()
