# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The K2 topics.yaml model: validate the file, then expand it into topic specs and subject specs.

Topic = market.{asset_class}.{data_type}.{exchange}; partitions = the data type's override, else the
exchange's; config = the data type's config plus min.insync.replicas from defaults. A file that breaks a
rule is rejected with the path of the bad field, the value and what was expected.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.module_utils.six import string_types

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error

TOPIC_PATTERN = 'market.{asset_class}.{data_type}.{exchange}'
SEGMENT_RE = re.compile(r'^[a-zA-Z0-9_-]+$')
TOPIC_NAME_RE = re.compile(r'^[a-zA-Z0-9._-]+$')
TOPIC_NAME_MAX = 249
COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE',
                        'FULL', 'FULL_TRANSITIVE']
DEFAULT_SUBJECT_PATTERN = 'market.{asset_class}.{data_type}-value'

_STR = 'str'
_POSINT = 'posint'
_CONFIG = 'config'
EXCHANGE_KEYS = {'name': _STR, 'partitions': _POSINT, 'country': _STR, 'timezone': _STR,
                 'trading_hours': _STR, 'description': _STR}
DATA_TYPE_KEYS = {'description': _STR, 'partition_key': _STR, 'schema_name': _STR, 'partitions': _POSINT,
                  'config': _CONFIG}
DEFAULTS_KEYS = {'replication_factor': _POSINT, 'min_insync_replicas': _POSINT}
REGISTRY_KEYS = {'compatibility': 'compatibility', 'subject_pattern': 'pattern'}


def topic_name_problem(name):
    """Why `name` is not a legal Kafka topic name, or None."""
    if not isinstance(name, string_types) or not name:
        return 'expected a non-empty string'
    if name in ('.', '..'):
        return "'.' and '..' are not legal topic names"
    if len(name) > TOPIC_NAME_MAX:
        return 'expected at most %d characters, got %d' % (TOPIC_NAME_MAX, len(name))
    if not TOPIC_NAME_RE.match(name):
        bad = sorted(set(c for c in name if not TOPIC_NAME_RE.match(c)))
        return 'expected only letters, digits, ".", "_" and "-", got %r (illegal: %s)' % (name, ' '.join(
            repr(c) for c in bad))
    return None


def is_positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# what the protocol carries: CreateTopics' partition count is an int32, its replication factor an int16
INT32_MAX, INT64_MAX = 2 ** 31 - 1, 2 ** 63 - 1
COUNT_MAX = {'replication_factor': 2 ** 15 - 1}
# topic configs Kafka types as int (int32) or long (int64), and the least value it accepts
INT_CONFIGS = {'min.insync.replicas': 1, 'max.message.bytes': 0, 'segment.bytes': 14, 'segment.index.bytes': 4,
               'index.interval.bytes': 0}
LONG_CONFIGS = {'retention.ms': -1, 'retention.bytes': -1, 'segment.ms': 1, 'segment.jitter.ms': 0,
                'delete.retention.ms': 0, 'min.compaction.lag.ms': 0, 'max.compaction.lag.ms': 1,
                'file.delete.delay.ms': 0, 'flush.messages': 1, 'flush.ms': 0, 'local.retention.ms': -2,
                'local.retention.bytes': -2, 'message.timestamp.after.max.ms': 0,
                'message.timestamp.before.max.ms': 0}


def count_problem(key, value):
    """Why `value` is not a count Kafka can take for `key` (partitions, replication_factor, ...), or None."""
    top = COUNT_MAX.get(key, INT32_MAX)
    if not is_positive_int(value):
        return 'expected a positive integer, got %s' % _show(value)
    if value > top:
        return 'expected at most %d (%s), got %s' % (top, "Kafka's int16" if top < INT32_MAX else "Kafka's int32",
                                                     _show(value))
    return None


def config_problem(key, value):
    """Why `value` cannot be the topic config `key` (a scalar; a number in range for the numeric keys), or None."""
    text = config_value(value)
    if text is None:
        return 'expected a string or a number, got %s' % _show(value)
    if key in INT_CONFIGS or key in LONG_CONFIGS:
        least, top = (INT_CONFIGS[key], INT32_MAX) if key in INT_CONFIGS else (LONG_CONFIGS[key], INT64_MAX)
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or not least <= number <= top:
            return 'expected an integer from %d to %d, got %s' % (least, top, _show(value))
    return None


def config_value(value):
    """A topic config value as Kafka reports it (strings; booleans lower case), or None if not scalar."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, string_types):
        return value
    return None


class _Checker:
    def __init__(self):
        self.errors = []

    def error(self, path, text):
        self.errors.append('%s: %s' % (path, text))

    def mapping(self, value, path, required=True):
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.error(path, 'expected a mapping, got %s' % _show(value))
            return {}
        return value

    def fields(self, value, path, spec, required=()):
        value = self.mapping(value, path)
        for key in sorted(set(value) - set(spec), key=str):
            self.error('%s.%s' % (path, key), 'unknown key; expected one of %s' % ', '.join(sorted(spec)))
        for key in required:
            if key not in value:
                self.error('%s.%s' % (path, key), 'required key is missing')
        for key, kind in spec.items():
            if key in value:
                self.check('%s.%s' % (path, key), value[key], kind)
        return value

    def check(self, path, value, kind):
        if kind == _STR and not isinstance(value, string_types):
            self.error(path, 'expected a string, got %s' % _show(value))
        elif kind == _POSINT and count_problem(path.rsplit('.', 1)[-1], value):
            self.error(path, count_problem(path.rsplit('.', 1)[-1], value))
        elif kind == _CONFIG:
            for key, item in sorted(self.mapping(value, path).items(), key=lambda kv: str(kv[0])):
                if not isinstance(key, string_types) or not re.match(r'^[a-z0-9.]+$', key):
                    self.error('%s.%s' % (path, key), 'expected a Kafka topic config name like retention.ms')
                elif config_problem(key, item):
                    self.error('%s.%s' % (path, key), config_problem(key, item))
        elif kind == 'compatibility' and value not in COMPATIBILITY_LEVELS:
            self.error(path, 'expected one of %s, got %s' % (', '.join(COMPATIBILITY_LEVELS), _show(value)))
        elif kind == 'pattern':
            if not isinstance(value, string_types):
                self.error(path, 'expected a string, got %s' % _show(value))
            else:
                try:
                    value.format(asset_class='a', data_type='d')
                except (KeyError, IndexError, ValueError):
                    self.error(path, 'only {asset_class} and {data_type} may be substituted, got %r' % value)

    def segment(self, name, path):
        if not isinstance(name, string_types) or not SEGMENT_RE.match(name):
            self.error(path, 'expected a name of letters, digits, "_" or "-" (it becomes part of a topic name), '
                             'got %s' % _show(name))
            return False
        return True


def _show(value):
    if isinstance(value, string_types):
        return repr(value)
    if value is None:
        return 'nothing (null)'
    if isinstance(value, bool):
        return 'a boolean (%s)' % value
    if isinstance(value, (dict, list)):
        return 'a %s' % ('mapping' if isinstance(value, dict) else 'list')
    return repr(value)


def validate(data):
    """Check a loaded topics.yaml against the K2 format. Raises K2Error listing every problem by path."""
    chk = _Checker()
    root = chk.fields(data, '(topics.yaml)', {'asset_classes': None, 'data_types': None, 'defaults': None,
                                              'schema_registry': None}, required=('asset_classes', 'data_types'))
    for ac, body in sorted(chk.mapping(root.get('asset_classes'), 'asset_classes').items(), key=_key):
        path = 'asset_classes.%s' % ac
        if not chk.segment(ac, path):
            continue
        body = chk.fields(body, path, {'description': _STR, 'exchanges': None}, required=('exchanges',))
        for ex, exb in sorted(chk.mapping(body.get('exchanges'), path + '.exchanges').items(), key=_key):
            expath = '%s.exchanges.%s' % (path, ex)
            if chk.segment(ex, expath):
                chk.fields(exb, expath, EXCHANGE_KEYS, required=('partitions',))
    for dt, body in sorted(chk.mapping(root.get('data_types'), 'data_types').items(), key=_key):
        path = 'data_types.%s' % dt
        if chk.segment(dt, path):
            chk.fields(body, path, DATA_TYPE_KEYS, required=('schema_name',))
    defaults = chk.fields(root.get('defaults') or {}, 'defaults', DEFAULTS_KEYS)
    chk.fields(root.get('schema_registry') or {}, 'schema_registry', REGISTRY_KEYS)
    rf, isr = defaults.get('replication_factor'), defaults.get('min_insync_replicas')
    if is_positive_int(rf) and is_positive_int(isr) and isr > rf:
        chk.error('defaults.min_insync_replicas', 'expected at most replication_factor (%d), got %d: producers '
                                                  'with acks=all could never write' % (rf, isr))
    if not chk.errors:
        for spec in _expand(root):
            problem = topic_name_problem(spec['name'])
            if problem:
                chk.error('topic %s' % spec['name'], problem)
    if chk.errors:
        raise K2Error('topics.yaml is invalid (%d problem%s): %s' % (
            len(chk.errors), '' if len(chk.errors) == 1 else 's', '; '.join(chk.errors)), errors=chk.errors)
    return root


def _key(item):
    return str(item[0])


def _select(mapping, wanted, what):
    if wanted is None:
        return sorted(mapping)
    wanted_list = [wanted] if isinstance(wanted, string_types) else list(wanted)
    missing = [w for w in wanted_list if w not in mapping]
    if missing:
        raise K2Error('%s %s is not in topics.yaml; known: %s' % (what, ', '.join(missing),
                                                                  ', '.join(sorted(mapping)) or 'none'))
    return wanted_list


def _expand(root, asset_class=None, exchange=None, data_type=None):
    defaults = root.get('defaults') or {}
    specs = []
    data_types = root['data_types']
    wanted = None if exchange is None else _as_list(exchange)
    for ac in _select(root['asset_classes'], asset_class, 'asset class'):
        exchanges = root['asset_classes'][ac].get('exchanges') or {}
        for ex in sorted(e for e in exchanges if wanted is None or e in wanted):
            for dt in _select(data_types, data_type, 'data type'):
                dtb = data_types[dt] or {}
                config = dict((k, config_value(v)) for k, v in (dtb.get('config') or {}).items())
                if defaults.get('min_insync_replicas'):
                    config['min.insync.replicas'] = str(defaults['min_insync_replicas'])
                specs.append({
                    'name': TOPIC_PATTERN.format(asset_class=ac, data_type=dt, exchange=ex),
                    'partitions': dtb.get('partitions') or exchanges[ex]['partitions'],
                    'replication_factor': defaults.get('replication_factor'),
                    'config': config,
                })
    return specs


def _as_list(value):
    return [value] if isinstance(value, string_types) else list(value)


def topic_specs(data, asset_class=None, exchange=None, data_type=None):
    """[{name, partitions, replication_factor, config}] for every selected asset class x data type x exchange."""
    root = validate(data)
    specs = _expand(root, asset_class, exchange, data_type)
    if exchange is not None:
        found = set(s['name'].rsplit('.', 1)[1] for s in specs)
        missing = [e for e in _as_list(exchange) if e not in found]
        if missing:
            raise K2Error('exchange %s is not in topics.yaml%s' % (', '.join(missing), ' under asset class %s'
                                                                   % asset_class if asset_class else ''))
    return specs


def subject_specs(data, asset_class=None, data_type=None):
    """[{subject, schema_name, asset_class, data_type, compatibility}] per asset class x data type."""
    root = validate(data)
    registry = root.get('schema_registry') or {}
    pattern = registry.get('subject_pattern') or DEFAULT_SUBJECT_PATTERN
    out = []
    for ac in _select(root['asset_classes'], asset_class, 'asset class'):
        for dt in _select(root['data_types'], data_type, 'data type'):
            out.append({'subject': pattern.format(asset_class=ac, data_type=dt),
                        'schema_name': root['data_types'][dt]['schema_name'],
                        'asset_class': ac, 'data_type': dt,
                        'compatibility': registry.get('compatibility')})
    return out


def load_yaml_text(text, source='topics.yaml'):
    """Parse YAML text; a syntax error names the line and column."""
    import yaml
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = ' at line %d, column %d' % (mark.line + 1, mark.column + 1) if mark else ''
        problem = getattr(exc, 'problem', None) or str(exc)
        raise K2Error('%s is not valid YAML%s: %s' % (source, where, problem)) from None  # the message says it all


def load_file(path):
    try:
        with open(path) as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        raise K2Error('cannot read topics file %s: %s' % (path, exc))
    return load_yaml_text(text, path)
