# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site: its overrides of topics.yaml's defaults, and how each of its service hosts is controlled."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import load_yaml_text, validate

CONTROLS = ('systemd', 'docker_compose', 'command')
ACTIONS = ('start', 'stop', 'restart', 'wipe', 'logs', 'status', 'disk')


def _count(value, name):
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise K2Error('%s: expected 0 (use topics.yaml) or a positive integer, got %r' % (name, value))
    return number


def site_defaults(data, replication_factor=0, min_insync_replicas=0, apply_min_insync_replicas=True,
                  source='topics.yaml'):
    """topics.yaml (text, or already loaded) with the site's replication factor and min.insync.replicas in
    `defaults` (a production inventory runs 3 and 2 where the file says 1 and 1). Without
    apply_min_insync_replicas, topics get no min.insync.replicas config, as with the platform's own init script.
    Text that is not YAML is refused with `source`, the line and the column."""
    out = load_yaml_text(data, source) if isinstance(data, str) else copy.deepcopy(data)
    defaults = out.setdefault('defaults', {}) if isinstance(out, dict) else {}
    rf = _count(replication_factor, 'k2_topics_replication_factor')
    isr = _count(min_insync_replicas, 'k2_topics_min_insync_replicas')
    if rf:
        defaults['replication_factor'] = rf
    if isr:
        defaults['min_insync_replicas'] = isr
    if not apply_min_insync_replicas:
        defaults.pop('min_insync_replicas', None)
    return validate(out)


def _argv(host, hostvars, name):
    value = hostvars.get(name)
    if not value or isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise K2Error('%s: %s is %s; give the command as a list of arguments, e.g. [systemctl, start, kafka]'
                      % (host, name, 'not set' if not value else 'not a list of strings (%r)' % (value,)))
    return list(value)


def service_commands(hostvars, host, action):
    """{control, name, commands}: how to start, stop, restart or wipe one inventory host's service, show its
    status or log, or measure its data folder (disk).

    control is systemd (the role uses the systemd module; commands is empty) or command (argv lists to run in
    order on the host). docker_compose hosts become commands of `<k2_compose_command> -f <k2_compose_file>`
    (k2_compose_command: default `docker compose`; `docker-compose`, v1, is accepted)."""
    if action not in ACTIONS:
        raise K2Error('k2_service_action: expected one of %s, got %r' % (', '.join(ACTIONS), action))
    control = hostvars.get('k2_service_control')
    name = hostvars.get('k2_service_name') or host
    if action == 'disk':        # df needs no service control, except to reach inside a container
        return {'control': 'command', 'name': name, 'commands': _disk(host, hostvars, control, name)}
    if control not in CONTROLS:
        raise K2Error('%s: k2_service_control is %r; set it to systemd, docker_compose or command in the inventory '
                      '(see the README, "Sites")' % (host, control))
    if action in ('logs', 'status'):
        reader = {'logs': _logs, 'status': _status}[action]
        return {'control': 'command', 'name': name, 'commands': reader(host, hostvars, control, name)}
    if action == 'wipe':
        if control == 'docker_compose' and not hostvars.get('k2_service_wipe_cmd'):
            return {'control': 'command', 'name': name, 'commands': _compose_wipe(host, hostvars, name)}
        return {'control': 'command', 'name': name, 'commands': [_argv(host, hostvars, 'k2_service_wipe_cmd')]}
    if control == 'systemd':
        return {'control': 'systemd', 'name': name, 'commands': []}
    if control == 'docker_compose':
        compose = _compose(host, hostvars)
        # compose v1 (docker-compose 1.29) has no --wait; --no-recreate keeps a stopped container (the same id)
        start = ['up', '--detach', '--no-recreate'] if _compose_v1(compose) else ['up', '--detach', '--wait']
        verb = {'start': start, 'stop': ['stop'], 'restart': ['restart']}[action]
        return {'control': 'command', 'name': name, 'commands': [compose + verb + [name]]}
    if action == 'restart' and not hostvars.get('k2_service_restart_cmd'):
        commands = [_argv(host, hostvars, 'k2_service_stop_cmd'), _argv(host, hostvars, 'k2_service_start_cmd')]
    else:
        commands = [_argv(host, hostvars, 'k2_service_%s_cmd' % action)]
    return {'control': 'command', 'name': name, 'commands': commands}


def _logs(host, hostvars, control, name):
    """The command that prints the service's recent log lines on its host."""
    if hostvars.get('k2_service_logs_cmd'):
        return [_argv(host, hostvars, 'k2_service_logs_cmd')]
    if control == 'systemd':
        return [['journalctl', '--unit', name, '--no-pager', '--lines', '5000']]
    if control == 'docker_compose':
        return [_compose(host, hostvars) + ['logs', '--no-color', '--tail', '5000', name]]
    raise K2Error('%s: k2_service_logs_cmd is not set; give the command that prints the service\'s log as a list '
                  'of arguments, e.g. [tail, -n, "5000", /var/log/kafka/server.log]' % host)


def _status(host, hostvars, control, name):
    """The command that shows whether the service runs (`docker compose ps`, `systemctl status`); none for a
    command-controlled host without k2_service_status_cmd (diagnose then leaves it out)."""
    if hostvars.get('k2_service_status_cmd'):
        return [_argv(host, hostvars, 'k2_service_status_cmd')]
    if control == 'systemd':
        return [['systemctl', 'status', '--no-pager', '--lines', '0', name]]
    if control == 'docker_compose':
        return [_compose(host, hostvars) + ['ps', '-a', name]]   # -a: v2 lists a stopped container only with it
    return []


def _disk(host, hostvars, control, name):
    """df of the broker's data folder (k2_broker_data_dir) where it lives: inside the container for a
    docker_compose host, on the host otherwise."""
    folder = hostvars.get('k2_broker_data_dir')
    if not folder or not isinstance(folder, str):
        raise K2Error('%s: k2_broker_data_dir is %r; give the folder of the broker\'s log.dirs, e.g. '
                      '/var/lib/kafka/data' % (host, folder))
    df = ['df', '-P', '-k', folder]
    if control == 'docker_compose':
        return [_compose(host, hostvars) + ['exec', '-T', name] + df]
    return [df]


def _compose_wipe(host, hostvars, name):
    """Remove the service's container with its anonymous volumes, then its named volumes (k2_compose_volumes,
    as docker names them: <project>_<volume>, e.g. k2_kafka-data), which `compose rm --volumes` keeps."""
    volumes = hostvars.get('k2_compose_volumes') or []
    if isinstance(volumes, str) or not all(isinstance(v, str) and v for v in volumes):
        raise K2Error('%s: k2_compose_volumes is %r; give the named volumes that hold the service\'s data as a list, '
                      'e.g. [k2_kafka-data] (docker volume ls shows them)' % (host, volumes))
    # -v, not --volumes: v1 does not know --volumes, prints its usage and exits 0 without removing anything
    compose = _compose(host, hostvars)
    commands = [compose + ['rm', '--force', '--stop', '-v', name]]
    if volumes:
        commands.append(_engine(compose) + ['volume', 'rm', '--force'] + list(volumes))
    return commands


def _engine(compose):
    """The engine's own command, from the compose command: `sudo docker compose` -> `sudo docker`,
    `docker-compose` -> `docker`, `podman-compose` -> `podman`."""
    argv = compose[:compose.index('-f')]
    if 'compose' in argv:
        return argv[:argv.index('compose')]
    if argv[-1].endswith('-compose'):
        return argv[:-1] + [argv[-1][:-len('-compose')]]
    return ['docker']


def _compose(host, hostvars):
    if not hostvars.get('k2_compose_file'):
        raise K2Error('%s: k2_service_control is docker_compose but k2_compose_file is not set; give the path of '
                      'docker-compose.yml on that host' % host)
    command = hostvars.get('k2_compose_command') or 'docker compose'
    argv = command.split() if isinstance(command, str) else command
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and a for a in argv):
        raise K2Error('%s: k2_compose_command is %r; give the compose command, e.g. "docker compose" (the plugin) '
                      'or "docker-compose" (v1)' % (host, command))
    return list(argv) + ['-f', str(hostvars['k2_compose_file'])]


def _compose_v1(argv):
    """Whether the compose command is the standalone v1 `docker-compose` (Debian's 1.29), not the v2 plugin."""
    return argv[0].rsplit('/', 1)[-1] == 'docker-compose'


def _hostvar(per_host, host, name, example):
    value = (per_host.get(host) or {}).get(name)
    if value in (None, ''):
        raise K2Error('%s: %s is not set; give each host of the group its own (e.g. %s: %s)'
                      % (host, name, name, example))
    return value


def down_brokers(hosts, per_host, cluster):
    """The broker hosts whose k2_broker_id is missing from the cluster metadata (kafka_cluster_info's result);
    every one of them when no broker answered."""
    ids = dict((h, _hostvar(per_host, h, 'k2_broker_id', 1)) for h in hosts)
    if not cluster.get('reachable'):
        return list(hosts)
    live = set(int(i) for i in cluster.get('broker_ids') or [])
    return [h for h in hosts if int(ids[h]) not in live]


def down_registries(hosts, per_host, registry):
    """The registry hosts whose k2_registry_url did not answer (schema_registry_info's instances)."""
    answered = dict((i['url'].rstrip('/'), i['reachable']) for i in registry.get('instances') or [])
    urls = dict((h, str(_hostvar(per_host, h, 'k2_registry_url', 'https://registry-1:8081')).rstrip('/'))
                for h in hosts)
    return [h for h in hosts if not answered.get(urls[h], False)]


def cluster_hosts(hosts, per_host, admin_host, admin_hosts):
    """The service hosts (brokers or registries) of the cluster that kafka_admin host `admin_host` manages.

    A site with several clusters has one kafka_admin host per cluster, and each service host names its cluster
    with k2_cluster (the kafka_admin host's name). With one cluster, k2_cluster may be left out."""
    admin_hosts = list(admin_hosts)
    out, unassigned = [], []
    for host in hosts:
        cluster = (per_host.get(host) or {}).get('k2_cluster')
        if cluster in (None, ''):
            unassigned.append(host)
            out.append(host)
        elif cluster not in admin_hosts:
            raise K2Error('%s: k2_cluster is %r, which is not a host of kafka_admin (%s); set it to the kafka_admin '
                          'host that manages its cluster' % (host, cluster, ', '.join(admin_hosts)))
        elif cluster == admin_host:
            out.append(host)
    if unassigned and len(admin_hosts) > 1:
        raise K2Error('the inventory has %d clusters (kafka_admin: %s) but %s name no cluster; set k2_cluster: '
                      '<its kafka_admin host> on each broker and registry host, so that recovery and resets act '
                      'only on the cluster they are run for'
                      % (len(admin_hosts), ', '.join(admin_hosts), ', '.join(unassigned)))
    return out


def service_views(hosts, per_host, actions=('status', 'logs')):
    """[{host, action, argv, missing}] for diagnose: the commands that show each service host's status and log.
    A host without a way to show one has argv None and `missing` saying which variable to set."""
    out = []
    for host in hosts:
        for action in actions:
            try:
                commands = service_commands(per_host[host], host, action)['commands']
            except K2Error as exc:
                out.append({'host': host, 'action': action, 'argv': None, 'missing': str(exc)})
                continue
            if commands:
                out.append({'host': host, 'action': action, 'argv': commands[0], 'missing': None})
            else:
                out.append({'host': host, 'action': action, 'argv': None,
                            'missing': '%s: no %s command; set k2_service_%s_cmd to show it' % (host, action, action)})
    return out


def service_lines(views, results, tail=50):
    """diagnose's report of service_views run on their hosts: each host's status, then its last `tail` log lines."""
    lines = []
    ran = iter(results or [])
    for view in views:
        if view['argv'] is None:
            lines.append('%s %s: not shown (%s)' % (view['host'], view['action'], view['missing']))
            continue
        result = next(ran, {}) or {}
        text = (result.get('stdout') or '').splitlines()
        lines.append('== %s %s: %s' % (view['host'], view['action'], ' '.join(view['argv'])))
        if result.get('rc', 0) != 0 or result.get('failed'):
            lines.append('   failed (rc %s): %s' % (result.get('rc'), (result.get('stderr') or result.get('msg') or '').strip()[-500:]))
        lines.extend('   ' + line for line in (text[-tail:] if view['action'] == 'logs' else text))
    return lines
