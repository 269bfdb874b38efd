# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes of a module that only reads: k2.kafka_ops.attributes.info_module
    DOCUMENTATION = r'''
options: {}
'''

    INFO_MODULE = r'''
attributes:
  check_mode:
    support: full
    description: Read-only, runs the same in check mode.
  diff_mode:
    support: none
    description: Read-only; there is nothing to diff.
'''
