# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edit topics.yaml as text, keeping its comments, quoting and order (ruamel.yaml round trip)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import traceback

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import validate

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


def set_exchange_partitions(text, asset_class, exchange, partitions):
    """topics.yaml text with one exchange's partitions changed; comments kept."""
    yaml = _round_trip()
    data = yaml.load(text)
    try:
        entry = data['asset_classes'][str(asset_class)]['exchanges'][str(exchange)]
    except (KeyError, TypeError):
        raise K2Error('exchange %s is not under asset class %s in topics.yaml' % (exchange, asset_class))
    entry['partitions'] = int(partitions)
    return _dump(yaml, data)


def add_exchange(text, asset_class, exchange, attrs):
    """topics.yaml text with the exchange added under the asset class (created when new); comments kept."""
    yaml = _round_trip()
    asset_class, exchange = str(asset_class), str(exchange)
    data = yaml.load(text)
    classes = data.setdefault('asset_classes', {})
    if asset_class not in classes or classes[asset_class] is None:
        classes[asset_class] = {'description': asset_class, 'exchanges': {}}
    exchanges = classes[asset_class].setdefault('exchanges', {})
    if exchange in exchanges:
        raise K2Error('exchange %s is already under asset class %s in topics.yaml' % (exchange, asset_class))
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString
    exchanges[exchange] = dict((k, DoubleQuotedScalarString(v) if isinstance(v, str) else v)
                               for k, v in exchange_entry(attrs).items())
    return _dump(yaml, data)
