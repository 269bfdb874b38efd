# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Schema Registry options, paired with schema_registry_argument_spec() in module_utils/registry.py.
    DOCUMENTATION = r'''
options:
  schema_registry_urls:
    description:
      - Base URLs of Confluent-compatible Schema Registry instances, tried in order.
      - A connection error, a timeout or a 5xx answer moves to the next URL; a 4xx answer is final.
      - Apicurio's Confluent-compatible API lives under C(/apis/ccompat/v7).
      - Falls back to the E(K2_SCHEMA_REGISTRY_URLS) environment variable (comma-separated).
    type: list
    elements: str
    default: [http://127.0.0.1:8081]
  schema_registry_username:
    description: Basic-auth user.
    type: str
  schema_registry_password:
    description: Basic-auth password. Never logged.
    type: str
  schema_registry_ca_path:
    description: CA bundle (PEM) to verify the registry's certificate.
    type: path
  schema_registry_client_cert:
    description: Client certificate (PEM) for mutual TLS.
    type: path
  schema_registry_client_key:
    description: Private key (PEM) of O(schema_registry_client_cert).
    type: path
  schema_registry_validate_certs:
    description: Verify the registry's TLS certificate.
    type: bool
    default: true
  schema_registry_timeout:
    description: Seconds one registry request may take, per URL.
    type: int
    default: 15
notes:
  - Every module of the collection accepts the Kafka and the Schema Registry connection options, so one
    C(module_defaults) group (C(group/k2.kafka_ops.kafka)) sets a play's connection once; a module ignores
    the options of a service it does not talk to.
'''
