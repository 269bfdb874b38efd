# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options every Kafka client uses (doc fragment k2.kafka_ops.kafka): their argument spec, their
check as a whole before any client is built, and the librdkafka settings made from them. The clients
themselves are built in kafka_client.py (admin) and kafka_records.py (producer, consumer)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.inputs import readable_path

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


BOOTSTRAP_ENTRY = re.compile(r'^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:(\d+))?$')


def check_connection(params):
    """The connection options as a whole, before any client is built: one message naming the field, the value
    and the fix."""
    servers = params.get('bootstrap_servers')
    if not servers or not str(servers).strip():
        raise K2Error("bootstrap_servers: %r is empty; give host:port[,host:port], e.g. 127.0.0.1:9092" % (servers,))
    for entry in str(servers).split(','):
        match = BOOTSTRAP_ENTRY.match(entry.strip())
        if '://' in entry:
            raise K2Error("bootstrap_servers: %r is a URL; give host:port without a scheme, e.g. %s (the "
                          "protocol is security_protocol)" % (entry.strip(), entry.split('://', 1)[1].strip('/')))
        if not match or (match.group(3) and not 0 < int(match.group(3)) < 65536):
            raise K2Error("bootstrap_servers: %r is not host:port (port 1-65535); give e.g. 127.0.0.1:9092"
                          % entry.strip())
    timeout = params.get('request_timeout')
    if timeout is not None and not 0 < timeout <= 300:
        raise K2Error("request_timeout: %r is out of range; give seconds from 1 to 300 (librdkafka's socket "
                      "timeout bound; default 30)" % (timeout,))
    protocol = params.get('security_protocol') or 'PLAINTEXT'
    _unused('ssl', ('ssl_cafile', 'ssl_certfile', 'ssl_keyfile', 'ssl_keyfile_password'), params, protocol,
            protocol.endswith('SSL'), 'SASL_SSL' if protocol.startswith('SASL') else 'SSL')
    _unused('SASL', ('sasl_mechanism', 'sasl_username', 'sasl_password'), params, protocol,
            protocol.startswith('SASL'), 'SASL_SSL' if protocol.endswith('SSL') else 'SASL_PLAINTEXT')


def _unused(what, fields, params, protocol, used, instead):
    given = [f for f in fields if params.get(f)]
    if given and not used:
        used_by = 'TLS' if what == 'ssl' else what
        raise K2Error("%s: set, but security_protocol %s does not use %s, so it would be ignored; set "
                      "security_protocol: %s, or drop %s" % (given[0], protocol, used_by, instead, ', '.join(given)))


def client_config(params):
    """librdkafka settings from module params; a request that cannot connect is refused by field name."""
    check_connection(params)
    protocol = params.get('security_protocol') or 'PLAINTEXT'
    timeout = params.get('request_timeout')
    timeout_ms = (30 if timeout is None else timeout) * 1000
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
                    readable_path(field, params[field])
                conf[key] = params[field]
    return conf


LIBRDKAFKA_NAMES = (('ssl.ca.location', 'ssl_cafile'), ('ssl.certificate.location', 'ssl_certfile'),
                    ('ssl.key.location', 'ssl_keyfile'), ('ssl.key.password', 'ssl_keyfile_password'),
                    ('sasl.mechanism', 'sasl_mechanism'), ('sasl.username', 'sasl_username'))


def option_names(text, params):
    """librdkafka's message with its property names put as this collection's options (and their paths)."""
    for prop, option in LIBRDKAFKA_NAMES:
        if prop in text:
            value = params.get(option)
            shown = '%s (%s)' % (option, value) if value and 'password' not in option else option
            text = text.replace(prop, shown)
    return text
