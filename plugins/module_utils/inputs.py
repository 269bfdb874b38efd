# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's whole request checked before any client is built or any request sent, for what the argument spec
cannot say: ranges, orderings and names. Each check raises one K2Error naming the option, the value and the fix.
(The connection options are checked in kafka_connection.check_connection and registry.check_registry_options.)"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import check_disks
from ansible_collections.k2.kafka_ops.plugins.module_utils.patterns import compile_pattern
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import INT32_MAX, topic_name_problem

SUBJECT_MAX = 255   # the longest Kafka topic name (249) with "-value" and room to spare; Confluent documents none
WORKERS_MAX = 32


def in_range(option, value, least, top=None, unit=''):
    """`value` (when set) is a number from `least` to `top`; the message names `option`."""
    if value is None or isinstance(value, bool):
        return
    if value < least or (top is not None and value > top):
        span = 'from %s to %s' % (least, top) if top is not None else '%s or more' % least
        raise K2Error('%s: %r is out of range; give %s%s' % (option, value, span, unit))


def at_least(params, option, least, top=None, unit=''):
    """params[option] (when set) is a number from `least` to `top`."""
    in_range(option, params.get(option), least, top, unit)


def readable_path(option, path, what='PEM file', folder_ok=False):
    """The file (or, with folder_ok, folder) an option names exists and this user may read it."""
    if not (os.path.exists(path) if folder_ok else os.path.isfile(path)):
        raise K2Error('%s: %s does not exist%s; give the path of the %s on the host that runs the module'
                      % (option, path, '' if folder_ok else ' or is not a file', what))
    if not os.access(path, os.R_OK):
        raise K2Error('%s: %s is not readable by this user; fix its permissions or run as a user that may read '
                      'it' % (option, path))


def group_names(option, names):
    """Every name of a list option is a consumer group id."""
    for index, name in enumerate(names or []):
        if not name or not name.strip():
            raise K2Error('%s[%d]: %r is not a consumer group id; give one such as k2-iceberg-writer'
                          % (option, index, name))


def topic_names(option, names):
    """Every name of a list option is a legal topic name."""
    for index, name in enumerate(names or []):
        problem = topic_name_problem(name)
        if problem:
            raise K2Error('%s[%d]: %s' % (option, index, problem))


def subject_name(option, subject, allow_global=False):
    """A subject name Confluent-compatible registries take; None (not "") is the global level."""
    if subject is None and allow_global:
        return
    if not isinstance(subject, str) or not subject.strip():
        raise K2Error('%s: %r is not a subject name; give one such as market.equities.trades-value%s'
                      % (option, subject, ' (leave it out for the global level)' if allow_global else ''))
    if len(subject) > SUBJECT_MAX:
        raise K2Error('%s: the subject is %d characters long; give at most %d' % (option, len(subject), SUBJECT_MAX))
    if any(ord(c) < 32 for c in subject):
        raise K2Error('%s: %r holds control characters; give a plain subject name' % (option, subject))


def workers(params):
    at_least(params, 'workers', 1, WORKERS_MAX, ' (parallel registry connections)')


def record_scan(params):
    problem = topic_name_problem(params.get('topic'))
    if problem:
        raise K2Error('topic: %s' % problem)
    for index, partition in enumerate(params.get('partitions') or []):
        if not 0 <= partition <= INT32_MAX:
            raise K2Error('partitions[%d]: %r is not a partition number; give 0 or more' % (index, partition))
    at_least(params, 'max_records', 1, None, ' (records read at most)')


def smoke_targets(targets):
    for index, target in enumerate(targets or []):
        problem = topic_name_problem(target.get('topic'))
        if problem:
            raise K2Error('targets[%d].topic: %s' % (index, problem))
        subject_name('targets[%d].subject' % index, target.get('subject'))


def health(params):
    """kafka_health's patterns and thresholds: valid, in range, and each warning at or below its critical."""
    for option in ('managed_pattern', 'consumer_group_pattern'):
        compile_pattern(params.get(option), option)
    check_disks(params.get('disks'))
    for option in ('lag_warning', 'lag_critical', 'lag_critical_for', 'rate_interval', 'rate_baseline_window',
                   'imbalance_min_messages', 'imbalance_min_bytes'):
        at_least(params, option, 0)
    at_least(params, 'expected_brokers', 1, None, ' (brokers the cluster should have)')
    for option in ('disk_warning', 'disk_critical', 'imbalance_warning'):
        at_least(params, option, 0, 100, ' (percent)')
    at_least(params, 'rate_spike_factor', 1, None, ' (times the baseline rate)')
    at_least(params, 'rate_min', 0)
    at_least(params, 'wait_timeout', 1, None, ' seconds')
    at_least(params, 'wait_interval', 1, None, ' seconds')
    for low, high in (('disk_warning', 'disk_critical'), ('lag_warning', 'lag_critical')):
        if params.get(low) is not None and params.get(high) is not None and params[low] > params[high]:
            raise K2Error('%s: %r is above %s (%r), so the warning could never come first; give a %s at or below '
                          '%s' % (low, params[low], high, params[high], low, high))


def subject_entry(where, entry, allow_global=False):
    """One subject of schema_subject: its name, id, version and references."""
    subject_name(where + 'subject', entry.get('subject'), allow_global)
    for key in ('id', 'version'):
        in_range(where + key, entry.get(key), 1, INT32_MAX)
    for index, ref in enumerate(entry.get('references') or []):
        if not isinstance(ref, dict) or set(ref) != set(['name', 'subject', 'version']) or \
                not isinstance(ref.get('version'), int) or ref['version'] < 1:
            raise K2Error('%sreferences[%d]: %r is not a reference; give {name, subject, version} with a version '
                          'of 1 or more, e.g. {name: common.avsc, subject: common-value, version: 1}'
                          % (where, index, ref))
        subject_name('%sreferences[%d].subject' % (where, index), ref['subject'])
