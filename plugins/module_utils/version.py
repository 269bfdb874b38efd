# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's version, as the modules report it (backups record it). A constant: nothing is read from
disk at run time. A unit test (test_site.py) keeps it equal to the version the collection is built with."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_VERSION = '0.1.0'
