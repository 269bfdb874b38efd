# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn a loaded K2 topics.yaml into topic and subject specs, so playbooks stay declarative."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import subject_specs, topic_specs


def k2_topics(data, asset_class=None, exchange=None, data_type=None):
    try:
        return topic_specs(data, asset_class=asset_class or None, exchange=exchange or None,
                           data_type=data_type or None)
    except K2Error as exc:
        raise AnsibleFilterError('k2_topics: %s' % exc)


def k2_subjects(data, asset_class=None, data_type=None):
    try:
        return subject_specs(data, asset_class=asset_class or None, data_type=data_type or None)
    except K2Error as exc:
        raise AnsibleFilterError('k2_subjects: %s' % exc)


class FilterModule(object):
    def filters(self):
        return {'k2_topics': k2_topics, 'k2_subjects': k2_subjects}
