# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing a backup folder: every file built in memory and checksummed, written into a hidden temporary folder,
the manifest last, then one rename; then retention."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import glob
import hashlib
import json
import os
import shutil

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.version import COLLECTION_VERSION


def _inside(path, option):
    """A relative path that stays inside the backup folder."""
    parts = path.replace('\\', '/').split('/')
    if not path or path.startswith('/') or '..' in parts:
        raise K2Error('%s: %r must be a relative path inside the backup folder, e.g. topics.json or schemas/'
                      % (option, path))
    return os.path.normpath(path)


def backup_contents(data, copies):
    """{relative path: bytes} of every file but the manifest; K2Error names the first bad option."""
    contents = {}
    for name in sorted(data):
        contents[_inside(name, 'data')] = (json.dumps(data[name], indent=2, sort_keys=True) + '\n').encode('utf-8')
    for index, copy in enumerate(copies):
        option = 'copies[%d]' % index
        dest = copy['dest']
        folder = dest.endswith('/')
        dest = _inside(dest, option + '.dest')
        sources = sorted(glob.glob(copy['src'])) if glob.has_magic(copy['src']) else [copy['src']]
        if not sources:
            raise K2Error('%s.src: %s matches no file, so the backup would lack them; check the path (the site role '
                          'sets it from k2_platform_dir)' % (option, copy['src']))
        for src in sources:
            try:
                with open(src, 'rb') as handle:
                    body = handle.read()
            except (IOError, OSError) as exc:
                raise K2Error('%s.src: cannot read %s (%s); check the path (the site role sets it from '
                              'k2_platform_dir)' % (option, src, exc.strerror or exc))
            contents[os.path.join(dest, os.path.basename(src)) if folder else dest] = body
    if 'manifest.json' in contents:
        raise K2Error('data: manifest.json is written by the module itself; give its fields in manifest')
    return contents


def write_backup(params, check_mode=False):
    """The backup_folder module: returns {path, files, removed}."""
    name = params['name']
    if not name or '/' in name or name.startswith('.'):
        raise K2Error('name: %r must be a plain folder name, e.g. kafka-20260110-120000' % (name,))
    contents = backup_contents(params['data'] or {}, params['copies'] or [])
    files = dict((path, hashlib.sha256(body).hexdigest()) for path, body in contents.items())
    manifest = dict(params['manifest'] or {}, files=files, collection_version=COLLECTION_VERSION)
    final = os.path.join(params['dir'], name)
    if os.path.exists(final):
        raise K2Error('%s already exists; backups are never overwritten, give another name' % final)
    keep, pattern = params['keep'], params['prune_pattern']
    if keep is None or keep < 0:
        raise K2Error('keep: %r is not a count of backups; give 0 to keep every backup, or how many of the newest '
                      'complete backups to keep (e.g. 14)' % (keep,))
    if not pattern or not pattern.strip('*?'):
        raise K2Error('prune_pattern: %r would match any folder; give the backups\' own prefix, e.g. kafka-*'
                      % (pattern,))
    if not fnmatch.fnmatch(name, pattern):
        raise K2Error('prune_pattern: %r does not match the new backup\'s name %r, so retention would count other '
                      'folders than the backups; give a pattern the names match, e.g. kafka-*' % (pattern, name))
    removed, skipped = _to_remove(params['dir'], name, pattern, keep)
    if not check_mode:
        _write(params['dir'], name, contents, manifest)
        for path in removed:
            shutil.rmtree(path)
    return {'path': final, 'files': files, 'removed': removed,
            'warnings': ['retention left %s alone: %s' % (path, why) for path, why in skipped]}


def owned_backup(path):
    """None when `path` is a complete backup written by this module (a manifest with its files and the
    collection version, and no file the manifest does not list), else why it is not one."""
    try:
        with open(os.path.join(path, 'manifest.json')) as handle:
            manifest = json.load(handle)
    except (IOError, OSError, ValueError):
        return 'no readable manifest.json (an incomplete backup, or not a backup)'
    listed = manifest.get('files') if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or 'collection_version' not in manifest:
        return 'its manifest.json was not written by backup_folder'
    held = set()
    for root, dummy, names in os.walk(path):
        held.update(os.path.relpath(os.path.join(root, n), path) for n in names)
    extra = sorted(held - set(listed) - set(['manifest.json']))
    if extra:
        return 'it holds files its manifest does not list (%s)' % ', '.join(extra[:3])
    return None


def _to_remove(folder, name, pattern, keep):
    """([backup folders to remove], [(folder, why it is left)]): only complete backups this module wrote count
    for `keep` and are removed; the newest complete one (the new backup) is always kept."""
    complete, skipped = [], []
    if os.path.isdir(folder):
        for entry in sorted(os.listdir(folder)):
            path = os.path.join(folder, entry)
            if entry.startswith('.') or entry == name or not fnmatch.fnmatch(entry, pattern) or not os.path.isdir(path):
                continue
            why = owned_backup(path)
            if why:
                skipped.append((path, why))
            else:
                complete.append(path)
    if not keep or len(complete) + 1 <= keep:
        return [], skipped
    return complete[:len(complete) + 1 - keep], skipped


def _write(folder, name, contents, manifest):
    tmp = os.path.join(folder, '.%s.partial' % name)
    try:
        if os.path.exists(tmp):
            shutil.rmtree(tmp)  # left by an interrupted run of the same name
        os.makedirs(tmp, 0o750)
        for path, body in sorted(contents.items()):
            target = os.path.join(tmp, path)
            if not os.path.isdir(os.path.dirname(target)):
                os.makedirs(os.path.dirname(target), 0o750)
            _write_file(target, body)
        _write_file(os.path.join(tmp, 'manifest.json'),
                    (json.dumps(manifest, indent=2, sort_keys=True) + '\n').encode('utf-8'))
        os.rename(tmp, os.path.join(folder, name))
    except (IOError, OSError) as exc:
        raise K2Error('could not write the backup into %s: %s; check that the folder is writable and has space '
                      '(nothing partial is left under the name %s)' % (folder, exc, name))


def _write_file(path, body):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(descriptor, 'wb') as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
