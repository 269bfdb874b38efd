# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that turns a user's pattern into a regular expression, or into an error that quotes it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error


def compile_pattern(pattern, option='pattern'):
    """A compiled regex (searched in each name), None for an empty pattern, or K2Error naming the option, the
    pattern and what is wrong with it."""
    if pattern in (None, ''):
        return None
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as exc:
        raise K2Error('%s: %r is not a valid regular expression (%s); fix it, e.g. ^market\\. for every K2 topic'
                      % (option, pattern, exc))
