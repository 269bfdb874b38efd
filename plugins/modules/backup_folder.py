#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: backup_folder
short_description: Write a complete K2 backup folder in one step, atomically, and keep the newest few
version_added: 0.1.0
description:
  - Writes O(data) as JSON files and copies the site's source files (topics.yaml, the .avsc schemas) into a
    temporary folder, then writes C(manifest.json) with the sha256 of every file, then renames the folder to
    O(dir)/O(name). A backup folder therefore either has a manifest that matches its files, or does not exist.
  - Then removes the oldest complete backups in O(dir) beyond O(keep). Only folders this module wrote count
    and are removed (a C(manifest.json) of its own that lists every file the folder holds); any other folder
    matching O(prune_pattern) is left alone and named in a warning. The new backup is never removed.
  - The backup role reads the cluster and the registry with the info modules and hands what they returned to
    this module, so a backup costs one module process per read and one for all the writing.
author: K2 Platform Team (@k2-platform)
attributes:
  check_mode:
    support: full
    description: Computes the files and the manifest; writes and removes nothing.
  diff_mode:
    support: full
    description: The files the backup holds (after) and the backups it removes (before).
options:
  dir:
    description: Folder holding the complete backups (created when missing).
    type: path
    required: true
  name:
    description: Name of the new backup folder, e.g. C(kafka-20260110-120000).
    type: str
    required: true
  data:
    description: "Files to write, as C({file name: data}); each is written as sorted, indented JSON."
    type: dict
    required: true
  copies:
    description:
      - Files copied as they are, each C({src, dest}). O(copies[].src) may be a glob; a O(copies[].dest) ending
        in C(/) is a folder.
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description: File or glob on the host the module runs on; a glob that matches no file is refused.
        type: path
        required: true
      dest:
        description: Path inside the backup.
        type: str
        required: true
  manifest:
    description: Fields of C(manifest.json); the module adds C(files) (sha256 per file) and C(collection_version).
    type: dict
    default: {}
  keep:
    description: Complete backups kept in O(dir) (folders matching O(prune_pattern)), the new one included; 0
      keeps all. A negative count is refused.
    type: int
    default: 14
  prune_pattern:
    description: Shell pattern of the folder names that count as backups for O(keep). It must match O(name),
      and a pattern of wildcards only (C(*)) is refused.
    type: str
    default: kafka-*
seealso:
  - module: k2.kafka_ops.kafka_topic_info
  - module: k2.kafka_ops.schema_subject_info
  - module: k2.kafka_ops.kafka_consumer_group_info
'''

EXAMPLES = r'''
- name: Write the backup of one cluster
  k2.kafka_ops.backup_folder:
    dir: /var/backups/k2/ZpL6vBNBQS6uLt6nE3bkxw
    name: kafka-20260110-120000
    data:
      topics.json: "{{ topics.topics }}"
      subjects.json: {subjects: "{{ subjects.subjects }}"}
    copies:
      - {src: /srv/k2/config/kafka/topics.yaml, dest: topics.yaml}
      - {src: "/srv/k2/src/k2/schemas/*.avsc", dest: schemas/}
    manifest: {format: 1, cluster_id: ZpL6vBNBQS6uLt6nE3bkxw}
    keep: 14
  delegate_to: localhost
'''

RETURN = r'''
path:
  description: The backup folder (in check mode, the one it would write).
  returned: always
  type: str
  sample: /var/backups/k2/ZpL6vBNBQS6uLt6nE3bkxw/kafka-20260110-120000
files:
  description: sha256 of every file in the backup, as in the manifest.
  returned: always
  type: dict
  sample: {topics.json: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}
removed:
  description: Older backups removed to keep O(keep) (in check mode, the ones it would remove).
  returned: always
  type: list
  elements: str
'''

from ansible_collections.k2.kafka_ops.plugins.module_utils import services
from ansible_collections.k2.kafka_ops.plugins.module_utils.runner import run_module


OPTIONS = dict(
    dir=dict(type='path', required=True),
    name=dict(type='str', required=True),
    data=dict(type='dict', required=True),
    copies=dict(type='list', elements='dict', default=[],
                options=dict(src=dict(type='path', required=True), dest=dict(type='str', required=True))),
    manifest=dict(type='dict', default={}),
    keep=dict(type='int', default=14),
    prune_pattern=dict(type='str', default='kafka-*'),
)


def main():
    run_module(OPTIONS, services.backup_folder, requires=(), connection=False)


if __name__ == '__main__':
    main()
