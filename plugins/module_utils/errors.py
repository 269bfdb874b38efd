# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type modules turn into fail_json."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class K2Error(Exception):
    """An error a person can act on. `details` become extra keys of the failed result."""

    def __init__(self, msg, **details):
        super(K2Error, self).__init__(msg)
        self.msg = msg
        self.details = details

    def __str__(self):
        return self.msg


def fail_module(module, exc, **extra):
    """Turn a K2Error into the module's one failure message, keeping its structured details."""
    result = dict(extra)
    result.update(exc.details)
    module.fail_json(msg=exc.msg, **result)
