# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edit topics.yaml as text, keeping its comments, quoting and order (ruamel.yaml round trip)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import json
import re
import traceback

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import topic_specs, validate

try:
    from ruamel.yaml import YAML
    RUAMEL_IMPORT_ERROR = None
except ImportError:
    YAML = None
    RUAMEL_IMPORT_ERROR = traceback.format_exc()

EXCHANGE_FIELDS = ('name', 'partitions', 'country', 'timezone', 'trading_hours', 'description')


def exchange_entry(attrs):
    """The exchange mapping from add_exchange's variables: only the fields that were given, as plain
    str and int (templating engines hand over str subclasses that YAML dumpers cannot represent)."""
    out = {}
    for key in EXCHANGE_FIELDS:
        value = attrs.get(key)
        if value in (None, ''):
            continue
        if key == 'partitions':
            try:
                out[key] = int(value)
            except (TypeError, ValueError):
                raise K2Error('partitions: expected a positive integer, got %r' % (value,))
        else:
            out[key] = str(value)
    return out


def exchange_difference(data, asset_class, exchange, attrs):
    """None when the exchange is absent; [] when topics.yaml already says the same; else the differences."""
    current = (((data.get('asset_classes') or {}).get(asset_class) or {}).get('exchanges') or {}).get(exchange)
    if current is None:
        return None
    wanted = exchange_entry(attrs)
    return ['%s: topics.yaml has %r, asked for %r' % (k, current.get(k), v) for k, v in sorted(wanted.items())
            if current.get(k) != v]


def _round_trip():
    if YAML is None:
        raise K2Error('ruamel.yaml is needed to edit topics.yaml keeping its comments: pip install ruamel.yaml')
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _dump(yaml, data):
    out = io.StringIO()
    yaml.dump(data, out)
    import yaml as pyyaml
    validate(pyyaml.safe_load(out.getvalue()))
    return out.getvalue()


def add_exchange(text, asset_class, exchange, attrs):
    """topics.yaml text with the exchange added under the asset class, every other line kept.

    Under an existing asset class the entry goes where a person would put it: in place of a commented-out
    block for the same exchange (the platform keeps planned exchanges that way; the block's values are the
    base, the request's win), else right after the last active exchange. A new asset class is added by a
    round trip that keeps comments."""
    yaml = _round_trip()
    asset_class, exchange = str(asset_class), str(exchange)
    data = yaml.load(text)
    classes = data.get('asset_classes') or {}
    if exchange in ((classes.get(asset_class) or {}).get('exchanges') or {}):
        raise K2Error('exchange %s is already under asset class %s in topics.yaml' % (exchange, asset_class))
    if (classes.get(asset_class) or {}).get('exchanges'):
        return _insert_exchange(text, data, asset_class, exchange, exchange_entry(attrs))
    classes = data.setdefault('asset_classes', {})
    if asset_class not in classes or classes[asset_class] is None:
        classes[asset_class] = {'description': asset_class, 'exchanges': {}}
    exchanges = classes[asset_class].setdefault('exchanges', {})
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString
    exchanges[exchange] = dict((k, DoubleQuotedScalarString(v) if isinstance(v, str) else v)
                               for k, v in exchange_entry(attrs).items())
    return _dump(yaml, data)


def _indent(line):
    return len(line) - len(line.lstrip(' '))


def _insert_exchange(text, data, asset_class, exchange, entry):
    import yaml as pyyaml
    lines = text.splitlines(True)
    exchanges = data['asset_classes'][asset_class]['exchanges']
    keys = list(exchanges)
    col = exchanges.lc.key(keys[0])[1]
    last = exchanges.lc.key(keys[-1])[0]
    end = last + 1  # the end of the last active exchange's block
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > col) and \
            not lines[end].lstrip().startswith('#'):
        end += 1
    while end > last + 1 and not lines[end - 1].strip():
        end -= 1
    stop = end  # the exchanges' region: comment lines at the exchange indent and deeper, and blank lines
    while stop < len(lines) and (not lines[stop].strip() or _indent(lines[stop]) >= col and
                                 lines[stop].lstrip().startswith('#')):
        stop += 1
    block = re.compile(r'^ {%d}#\s*%s:\s*$' % (col, re.escape(exchange)))
    start = next((i for i in range(end, stop) if block.match(lines[i])), None)
    base = {}
    if start is not None:
        after = start + 1
        while after < stop and re.match(r'^ {%d}#\s{2,}\S' % col, lines[after]):
            after += 1
        commented = ''.join(re.sub(r'^( {%d})#\s?' % col, r'\1', line) for line in lines[start:after])
        base = (pyyaml.safe_load(commented) or {}).get(exchange) or {}
        lines[start:after] = []
        end = start
    merged = dict((k, v) for k, v in base.items() if k in EXCHANGE_FIELDS)
    merged.update(entry)
    rendered = [' ' * col + exchange + ':\n'] + [
        '%s%s: %s\n' % (' ' * (col + 2), key, merged[key] if key == 'partitions' else json.dumps(str(merged[key])))
        for key in EXCHANGE_FIELDS if key in merged]
    lines[end:end] = rendered
    out = ''.join(lines)
    validate(pyyaml.safe_load(out))
    return out


def exchange_plan(text, asset_class, exchange, attrs):
    """add_exchange's plan, computed once: {difference, text, config, topics}.

    difference: None when topics.yaml lacks the exchange, [] when it has it with the same values, else the
    differences (the playbook stops on them). text: topics.yaml with the exchange added (None when it is
    there already). config: the topics.yaml data to apply. topics: the exchange's topic names."""
    import yaml as pyyaml
    data = validate(pyyaml.safe_load(text))
    difference = exchange_difference(data, asset_class, exchange, attrs)
    new_text = add_exchange(text, asset_class, exchange, attrs) if difference is None else None
    config = validate(pyyaml.safe_load(new_text)) if new_text is not None else data
    topics = [s['name'] for s in topic_specs(config, asset_class=str(asset_class), exchange=str(exchange))]
    return {'difference': difference, 'text': new_text, 'config': config, 'topics': topics}


def raise_plan(text, partitions, topic=None, asset_class=None, exchange=None, data_type=None, update_config=False):
    """raise_partitions' plan, computed once: {targets, skipped, text}.

    A topic name raises that topic. A selection (asset class, exchange, data type, any combination) raises
    every selected topic whose count comes from its exchange; a data type with its own `partitions` in
    topics.yaml keeps it (listed in skipped, with the reason). With update_config, text is topics.yaml with
    the selected exchanges' partitions set (comments kept); a data type selection cannot be recorded there."""
    try:
        count = int(partitions)
    except (TypeError, ValueError):
        count = 0
    if count < 1 or isinstance(partitions, bool):
        raise K2Error('partitions: expected a positive integer, got %r' % (partitions,))
    if topic:
        if asset_class or exchange or data_type or update_config:
            raise K2Error('topic=%s: give either a topic or a selection (asset_class, exchange, data_type), not both; '
                          'update_config needs a selection' % topic)
        return {'targets': [{'name': str(topic), 'partitions': count}], 'skipped': [], 'text': None}
    if exchange and not asset_class:
        raise K2Error('exchange=%s: give its asset_class too' % exchange)
    if not (asset_class or data_type):
        raise K2Error('raise_partitions needs topic=<name>, or asset_class=<name> [exchange=<name>] and/or '
                      'data_type=<name>')
    if update_config and data_type:
        raise K2Error('update_config=true with data_type=%s: topics.yaml records partitions per exchange, not per '
                      'data type; leave out data_type, or update_config' % data_type)
    import yaml as pyyaml
    data = validate(pyyaml.safe_load(text))
    targets, skipped, exchanges = [], [], set()
    for spec in topic_specs(data, asset_class=asset_class or None, exchange=exchange or None,
                            data_type=data_type or None):
        dummy, ac, dt, ex = spec['name'].split('.')
        fixed = (data['data_types'].get(dt) or {}).get('partitions')
        if fixed:
            skipped.append({'name': spec['name'], 'reason': 'data type %s has a fixed partitions: %d in topics.yaml'
                                                            % (dt, fixed)})
        else:
            targets.append({'name': spec['name'], 'partitions': count})
            exchanges.add((ac, ex))
    if not targets:
        raise K2Error('nothing to raise: %s' % '; '.join('%s (%s)' % (s['name'], s['reason']) for s in skipped))
    new_text = None
    if update_config:
        yaml = _round_trip()
        doc = yaml.load(text)
        for ac, ex in sorted(exchanges):
            doc['asset_classes'][ac]['exchanges'][ex]['partitions'] = count
        new_text = _dump(yaml, doc)
    return {'targets': targets, 'skipped': skipped, 'text': new_text}
