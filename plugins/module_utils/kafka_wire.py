# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kafka wire protocol, for the one admin request confluent-kafka does not offer: DescribeLogDirs.

DescribeLogDirs (API key 35) answers, per broker, each log directory with every partition replica's size in
bytes, and since version 4 (KIP-827, Kafka 3.3) the directory's total and usable bytes. librdkafka has no call for
it, so `KafkaAdmin.describe_log_dirs` sends it over this minimal client: one connection per broker, the same
security options as `client_config` (PLAINTEXT, SSL, SASL PLAIN and SCRAM-SHA-256/512), standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error

API_VERSIONS, SASL_HANDSHAKE, DESCRIBE_LOG_DIRS, SASL_AUTHENTICATE = 18, 17, 35, 36
ERRORS = {31: 'CLUSTER_AUTHORIZATION_FAILED', 57: 'KAFKA_STORAGE_ERROR', 58: 'SASL_AUTHENTICATION_FAILED',
          33: 'UNSUPPORTED_SASL_MECHANISM', 34: 'ILLEGAL_SASL_STATE', 35: 'UNSUPPORTED_VERSION'}


class Reader:
    """Decodes a response body: fixed-width integers, strings, arrays and (flexible versions) compact forms."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def _unpack(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def int16(self):
        return self._unpack('>h')

    def int32(self):
        return self._unpack('>i')

    def int64(self):
        return self._unpack('>q')

    def boolean(self):
        return self._unpack('>b') != 0

    def uvarint(self):
        shift = value = 0
        while True:
            byte = self._unpack('>B')
            value |= (byte & 0x7f) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def _take(self, size):
        if size < 0:
            return None
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def string(self, compact=False):
        raw = self._take(self.uvarint() - 1 if compact else self.int16())
        return None if raw is None else raw.decode('utf-8')

    def bytes_(self):
        return self._take(self.int32())

    def array(self, item, compact=False):
        count = self.uvarint() - 1 if compact else self.int32()
        return [item() for dummy in range(max(count, 0))]

    def tags(self):
        for dummy in range(self.uvarint()):
            self.uvarint()
            self._take(self.uvarint())


def _string(text):
    raw = text.encode('utf-8')
    return struct.pack('>h', len(raw)) + raw


class Connection:
    """One authenticated connection to one broker."""

    def __init__(self, host, port, params, timeout):
        self.params, self.timeout, self.correlation = params, timeout, 0
        self.where = '%s:%s' % (host, port)
        protocol = params.get('security_protocol') or 'PLAINTEXT'
        try:
            sock = socket.create_connection((host, int(port)), timeout=timeout)
        except (OSError, ValueError) as exc:
            raise K2Error('cannot connect to broker %s for DescribeLogDirs: %s' % (self.where, exc))
        if protocol.endswith('SSL'):
            sock = self._tls(sock, host)
        self.sock = sock
        self.versions = self._api_versions()
        if protocol.startswith('SASL'):
            self._authenticate()

    def _tls(self, sock, host):
        context = ssl.create_default_context(cafile=self.params.get('ssl_cafile'))
        if self.params.get('ssl_certfile'):
            context.load_cert_chain(self.params['ssl_certfile'], self.params.get('ssl_keyfile'),
                                    self.params.get('ssl_keyfile_password'))
        try:
            return context.wrap_socket(sock, server_hostname=host)
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            raise K2Error('TLS to broker %s failed: %s. Check ssl_cafile and the broker certificate.' % (self.where, exc))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def request(self, api_key, version, body, flexible=False):
        """Send one request; the response body after its header (v1 with tagged fields when flexible)."""
        self.correlation += 1
        client = b'k2.kafka_ops'
        header = struct.pack('>hhih', api_key, version, self.correlation, len(client)) + client
        if flexible:
            header += b'\x00'
        payload = header + body
        try:
            self.sock.sendall(struct.pack('>i', len(payload)) + payload)
            size = struct.unpack('>i', self._recv(4))[0]
            reader = Reader(self._recv(size))
        except (OSError, struct.error) as exc:
            raise K2Error('broker %s did not answer request %d within request_timeout=%ss (%s)'
                          % (self.where, api_key, int(self.timeout), exc))
        if reader.int32() != self.correlation:
            raise K2Error('broker %s answered out of order' % self.where)
        if flexible:
            reader.tags()
        return reader

    def _recv(self, size):
        chunks, left = [], size
        while left:
            chunk = self.sock.recv(left)
            if not chunk:
                raise OSError('connection closed by the broker')
            chunks.append(chunk)
            left -= len(chunk)
        return b''.join(chunks)

    def _api_versions(self):
        reader = self.request(API_VERSIONS, 0, b'')
        error = reader.int16()
        keys = reader.array(lambda: (reader.int16(), reader.int16(), reader.int16()))
        if error:
            raise K2Error('broker %s refused ApiVersions (error %d)' % (self.where, error))
        return dict((key, (low, high)) for key, low, high in keys)

    # -- SASL -------------------------------------------------------------------------------------

    def _authenticate(self):
        mechanism = self.params.get('sasl_mechanism')
        reader = self.request(SASL_HANDSHAKE, 1, _string(mechanism))
        error = reader.int16()
        offered = reader.array(reader.string)
        if error:
            raise K2Error('broker %s does not accept sasl_mechanism %s (it offers %s)'
                          % (self.where, mechanism, ', '.join(offered)))
        user, password = self.params['sasl_username'], self.params['sasl_password']
        if mechanism == 'PLAIN':
            self._sasl_step(b'\0' + user.encode('utf-8') + b'\0' + password.encode('utf-8'))
            return
        scram = Scram(mechanism, user, password)
        server_first = self._sasl_step(scram.first())
        server_final = self._sasl_step(scram.final(server_first))
        scram.verify(server_final, self.where)

    def _sasl_step(self, token):
        reader = self.request(SASL_AUTHENTICATE, 1, struct.pack('>i', len(token)) + token)
        error, message, answer = reader.int16(), reader.string(), reader.bytes_()
        if error:
            raise K2Error('Kafka at %s refused authentication for %r: %s. Check sasl_username, sasl_password and '
                          'sasl_mechanism.' % (self.where, self.params.get('sasl_username'),
                                               message or ERRORS.get(error, error)))
        return answer

    # -- DescribeLogDirs --------------------------------------------------------------------------

    def describe_log_dirs(self, max_version=4):
        """[{log_dir, error, total_bytes, usable_bytes, partitions: {(topic, partition): bytes}}] of this
        broker; total and usable are None before version 4."""
        low, high = self.versions.get(DESCRIBE_LOG_DIRS, (0, -1))
        version = min(high, max_version)
        if version < max(low, 1):
            raise K2Error('broker %s does not serve DescribeLogDirs' % self.where)
        flexible = version >= 2
        body = b'\x00\x00' if flexible else struct.pack('>i', -1)  # every topic (a null array), tags
        reader = self.request(DESCRIBE_LOG_DIRS, version, body, flexible)
        reader.int32()  # throttle time
        if version >= 3:
            error = reader.int16()
            if error:
                raise K2Error('broker %s refused DescribeLogDirs: %s%s' % (
                    self.where, ERRORS.get(error, 'error %d' % error),
                    ' (the user needs DESCRIBE on the cluster)' if error == 31 else ''))
        return reader.array(lambda: _log_dir(reader, version, flexible), flexible)


def _log_dir(reader, version, flexible):
    error = reader.int16()
    path = reader.string(flexible)
    parts = {}
    for name, sizes in reader.array(lambda: _log_dir_topic(reader, flexible), flexible):
        for partition, size, future in sizes:
            if not future:  # a replica being moved in has a second, future copy
                parts[(name, partition)] = size
    total = usable = None
    if version >= 4:
        total, usable = reader.int64(), reader.int64()
    if flexible:
        reader.tags()
    return {'log_dir': path, 'error': ERRORS.get(error, 'error %d' % error) if error else None,
            'total_bytes': total if total is not None and total >= 0 else None,
            'usable_bytes': usable if usable is not None and usable >= 0 else None, 'partitions': parts}


def _log_dir_topic(reader, flexible):
    name = reader.string(flexible)

    def partition():
        item = (reader.int32(), reader.int64(), reader.int64(), reader.boolean())
        if flexible:
            reader.tags()
        return item[0], item[1], item[3]
    parts = reader.array(partition, flexible)
    if flexible:
        reader.tags()
    return name, parts


class Scram:
    """SCRAM-SHA-256/512 (RFC 5802, RFC 7677) as Kafka runs it: no channel binding, no extensions."""

    def __init__(self, mechanism, user, password, nonce=None):
        self.hash = hashlib.sha256 if mechanism == 'SCRAM-SHA-256' else hashlib.sha512
        self.password = password.encode('utf-8')
        name = user.replace('=', '=3D').replace(',', '=2C')
        self.nonce = nonce or base64.b64encode(os.urandom(24)).decode('ascii')
        self.first_bare = 'n=%s,r=%s' % (name, self.nonce)
        self.auth_message = self.salted = None

    def _hmac(self, key, text):
        return hmac.new(key, text, self.hash).digest()

    def first(self):
        return ('n,,' + self.first_bare).encode('utf-8')

    def final(self, server_first):
        text = server_first.decode('utf-8')
        fields = dict(item.split('=', 1) for item in text.split(','))
        if not fields.get('r', '').startswith(self.nonce):
            raise K2Error('SCRAM: the broker answered with a nonce that is not ours')
        self.salted = hashlib.pbkdf2_hmac(self.hash().name, self.password, base64.b64decode(fields['s']),
                                          int(fields['i']))
        without_proof = 'c=biws,r=' + fields['r']
        self.auth_message = ','.join((self.first_bare, text, without_proof)).encode('utf-8')
        client_key = self._hmac(self.salted, b'Client Key')
        signature = self._hmac(self.hash(client_key).digest(), self.auth_message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        return (without_proof + ',p=' + base64.b64encode(proof).decode('ascii')).encode('utf-8')

    def verify(self, server_final, where):
        expected = self._hmac(self._hmac(self.salted, b'Server Key'), self.auth_message)
        fields = dict(item.split('=', 1) for item in server_final.decode('utf-8').split(','))
        if base64.b64decode(fields.get('v', '')) != expected:
            raise K2Error('SCRAM: broker %s did not prove that it knows the password (server signature)' % where)


def describe_log_dirs(brokers, params, timeout):
    """{broker id: [log dir]} for every broker, or {broker id: K2Error message} for a broker that failed."""
    out = {}
    for broker in brokers:
        try:
            conn = Connection(broker['host'], broker['port'], params, timeout)
        except K2Error as exc:
            out[broker['id']] = exc.msg
            continue
        try:
            out[broker['id']] = conn.describe_log_dirs()
        except K2Error as exc:
            out[broker['id']] = exc.msg
        finally:
            conn.close()
    return out
