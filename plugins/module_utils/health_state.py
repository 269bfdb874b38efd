# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health state file: the samples an earlier run kept (lag per group, end offsets and rates per topic), read
before a run and written after it, and the lag samples to keep."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error


STATE_FORMAT = 1


def load_state(path):
    """The samples an earlier run kept ({} without a file). A file that is not ours is an error that says so."""
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path) as handle:
            state = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        raise K2Error('state_file: %s cannot be read as the health state (%s); remove it and the next run starts '
                      'a new history' % (path, exc))
    if not isinstance(state, dict) or state.get('format') != STATE_FORMAT:
        raise K2Error('state_file: %s is not a k2.kafka_ops health state (format %d); remove it, or point '
                      'state_file elsewhere' % (path, STATE_FORMAT))
    return state


def save_state(path, state):
    """Write the state beside itself, then rename: a reader never sees half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as handle:
        json.dump(dict(state, format=STATE_FORMAT), handle, sort_keys=True)
    os.rename(tmp, path)


def lag_history(previous, groups, now, keep):
    """The samples to keep: each group's earlier samples younger than `keep` seconds, plus this one."""
    out = {}
    for group_id, lag in groups.items():
        earlier = [s for s in (previous or {}).get(group_id) or [] if isinstance(s, list) and len(s) == 2
                   and now - keep <= s[0] < now]
        out[group_id] = earlier + [[now, lag]]
    return out
