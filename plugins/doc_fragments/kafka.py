# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Kafka connection options, paired with kafka_argument_spec() in module_utils/kafka_client.py.
    DOCUMENTATION = r'''
options:
  bootstrap_servers:
    description:
      - Comma-separated C(host:port) list of Kafka brokers to bootstrap from.
      - Falls back to the E(K2_KAFKA_BOOTSTRAP_SERVERS) environment variable.
    type: str
    default: 127.0.0.1:9092
  security_protocol:
    description: Protocol used to talk to the brokers.
    type: str
    choices: [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]
    default: PLAINTEXT
  sasl_mechanism:
    description: SASL mechanism; required with O(security_protocol=SASL_PLAINTEXT) or O(security_protocol=SASL_SSL).
    type: str
    choices: [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512]
  sasl_username:
    description: SASL user name.
    type: str
  sasl_password:
    description: SASL password. Never logged.
    type: str
  ssl_cafile:
    description: CA bundle (PEM) that signed the brokers' certificates.
    type: path
  ssl_certfile:
    description: Client certificate (PEM) for mutual TLS.
    type: path
  ssl_keyfile:
    description: Private key (PEM) of O(ssl_certfile).
    type: path
  ssl_keyfile_password:
    description: Password of O(ssl_keyfile). Never logged.
    type: str
  request_timeout:
    description:
      - Seconds one admin request may take, connection set-up included.
      - An unreachable cluster fails with a message after this long; the module never hangs.
    type: int
    default: 30
requirements:
  - confluent-kafka >= 2.3.0
'''
