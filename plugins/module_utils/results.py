# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pieces of a module result that every module builds the same way: its diff entries."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def diff_entries(items, header, empty=None):
    """Ansible's diff entries, one per changed item: items are dicts with `changed` or `actions`; `header` names
    the key that titles each entry (an empty one is the global level); `empty` stands for a missing side
    ({} by default, '' for text)."""
    blank = {} if empty is None else empty
    return [{'before_header': item[header] or '(global)', 'after_header': item[header] or '(global)',
             'before': item.get('before') or blank, 'after': item.get('after') or blank}
            for item in items if item.get('changed') or item.get('actions')]
