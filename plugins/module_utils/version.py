# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's version, as the modules report it (backups record it). A unit test keeps it equal to
galaxy.yml's, so an installed collection never needs galaxy.yml (which its tarball does not carry)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_VERSION = '0.1.0'
