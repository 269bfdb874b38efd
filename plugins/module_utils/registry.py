# -*- coding: utf-8 -*-
# Copyright: K2 Platform Team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that talks to a Confluent-compatible Schema Registry.

Base URLs are tried in order: a connection error, a timeout or a 5xx moves to the next one; a 4xx is an
answer. One kept-alive connection per URL serves the whole task. Confluent's `{error_code, message}` bodies become RegistryError with a readable meaning.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import ssl
import threading

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves import http_client
from ansible.module_utils.six.moves.urllib.parse import quote, urlencode, urlparse

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.inputs import readable_path

CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'
ERROR_MEANINGS = {
    40401: 'subject not found',
    40402: 'version not found',
    40403: 'schema not found',
    40404: 'subject was soft-deleted',
    40405: 'subject must be soft-deleted first',
    40406: 'schema version was soft-deleted',
    40407: 'schema version must be soft-deleted first',
    40408: 'subject has no subject-level compatibility',
    409: 'incompatible schema',
    40901: 'incompatible schema',
    42201: 'invalid schema',
    42202: 'invalid version',
    42203: 'invalid compatibility level',
    42204: 'invalid mode',
    42205: 'operation not permitted',
    50001: 'registry storage error',
    50002: 'registry operation timed out',
    50003: 'registry could not forward the request to its leader',
}
INCOMPATIBLE = (409, 40901)


def schema_registry_argument_spec():
    """Registry options shared by every module (doc fragment k2.kafka_ops.schema_registry)."""
    return dict(
        schema_registry_urls=dict(type='list', elements='str', default=['http://127.0.0.1:8081'],
                                  fallback=(env_fallback, ['K2_SCHEMA_REGISTRY_URLS'])),
        schema_registry_username=dict(type='str'),
        schema_registry_password=dict(type='str', no_log=True),
        schema_registry_ca_path=dict(type='path'),
        schema_registry_client_cert=dict(type='path'),
        schema_registry_client_key=dict(type='path'),
        schema_registry_validate_certs=dict(type='bool', default=True),
        schema_registry_timeout=dict(type='int', default=15),
    )


class RegistryError(K2Error):
    """A 4xx answer from the registry: `code` is Confluent's error_code (or the HTTP status)."""

    def __init__(self, msg, code, status, url):
        super(RegistryError, self).__init__(msg, error_code=code, http_status=status, registry_url=url)
        self.code = code
        self.status = status


def check_registry_options(params, urls):
    """The registry options as a whole, before any request: one message naming the option, the value and the fix."""
    if not urls:
        raise K2Error('schema_registry_urls: expected at least one URL, e.g. http://127.0.0.1:8081')
    for url in urls:
        scheme = url.split('://', 1)[0].lower() if '://' in url else ''
        if scheme not in ('http', 'https') or not url.split('://', 1)[1].strip('/'):
            raise K2Error('schema_registry_urls: %r is not an http:// or https:// URL; give e.g. '
                          'http://127.0.0.1:8081' % url)
    timeout = params.get('schema_registry_timeout')
    if timeout is not None and not 0 < timeout <= 3600:
        raise K2Error('schema_registry_timeout: %r is out of range; give seconds from 1 to 3600 (default 15)'
                      % (timeout,))
    if params.get('schema_registry_ca_path'):
        readable_path('schema_registry_ca_path', params['schema_registry_ca_path'],
                      'CA bundle (a PEM file) or CA folder', folder_ok=True)
    for option in ('schema_registry_client_cert', 'schema_registry_client_key'):
        if params.get(option):
            readable_path(option, params[option])
    if params.get('schema_registry_client_key') and not params.get('schema_registry_client_cert'):
        raise K2Error('schema_registry_client_key: set without schema_registry_client_cert; give both')


def split_urls(urls):
    out = []
    for item in urls or []:
        out.extend(u.strip().rstrip('/') for u in item.split(',') if u.strip())
    return out


class HttpTransport:
    """Keep-alive HTTP(S) to each base URL: one connection per registry for the whole task. (Ansible's
    open_url costs ~60 ms of set-up per request, which a backup of a few thousand versions cannot afford.)"""

    def __init__(self, params):
        self.params = params
        self.timeout = params.get('schema_registry_timeout') or 15
        self.connections = {}

    def _connection(self, base):
        if base not in self.connections:
            url = urlparse(base)
            if url.scheme == 'https':
                context = ssl.create_default_context(cafile=self.params.get('schema_registry_ca_path'))
                if not self.params.get('schema_registry_validate_certs', True):
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                if self.params.get('schema_registry_client_cert'):
                    context.load_cert_chain(self.params['schema_registry_client_cert'],
                                            self.params.get('schema_registry_client_key'))
                conn = http_client.HTTPSConnection(url.hostname, url.port or 443, timeout=self.timeout,
                                                   context=context)
            elif url.scheme == 'http':
                conn = http_client.HTTPConnection(url.hostname, url.port or 80, timeout=self.timeout)
            else:
                raise ValueError('unsupported URL scheme %r (use http or https)' % url.scheme)
            self.connections[base] = (conn, url.path.rstrip('/'))
        return self.connections[base]

    def __call__(self, base, method, path, body, headers):
        """(status, body bytes); raises OSError or http_client.HTTPException when the registry does not answer."""
        conn, prefix = self._connection(base)
        for attempt in (1, 2):
            try:
                conn.request(method, prefix + path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (http_client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()  # the registry closed an idle kept-alive connection: once more on a new one
                if attempt == 2:
                    raise
        return None

    def close(self):
        for conn, dummy in self.connections.values():
            conn.close()


class RegistryClient:
    """Plain HTTP with failover, auth and TLS; every method returns parsed JSON or plain data."""

    def __init__(self, params, transport=None):
        self.urls = split_urls(params.get('schema_registry_urls'))
        check_registry_options(params, self.urls)
        self.params = params
        self.timeout = 15 if params.get('schema_registry_timeout') is None else params['schema_registry_timeout']
        self.transport = transport or HttpTransport(params)
        self.last_url = None
        self.headers = {'Content-Type': CONTENT_TYPE, 'Accept': CONTENT_TYPE + ', application/json'}
        if params.get('schema_registry_username'):
            token = '%s:%s' % (params['schema_registry_username'], params.get('schema_registry_password') or '')
            self.headers['Authorization'] = 'Basic ' + base64.b64encode(token.encode('utf-8')).decode('ascii')

    def clone(self):
        """A client with the same settings and its own connections (one per worker thread)."""
        own = isinstance(self.transport, HttpTransport)
        return RegistryClient(self.params, None if own else self.transport)

    def close(self):
        if isinstance(self.transport, HttpTransport):
            self.transport.close()

    # -- transport --------------------------------------------------------------------------------

    def request(self, method, path, body=None, query=None):
        """Send to the first URL that answers; 4xx raises RegistryError, all down raises K2Error."""
        tried = []
        query = dict((k, v) for k, v in (query or {}).items() if v is not None)
        suffix = path + ('?' + urlencode(sorted(query.items())) if query else '')
        data = json.dumps(body).encode('utf-8') if body is not None else None
        for base in self.urls:
            try:
                status, raw = self.transport(base, method, suffix, data, self.headers)
            except (OSError, http_client.HTTPException, ValueError) as exc:
                tried.append('%s: %s' % (base, getattr(exc, 'strerror', None) or exc or type(exc).__name__))
                continue
            payload = _parse(raw)
            if status >= 500:
                tried.append('%s: HTTP %d %s' % (base, status, _message(payload, status)))
                continue
            if isinstance(payload, NotJson):  # every registry answers JSON, errors included: this is not one
                html = payload.lstrip().startswith('<')
                tried.append('%s: HTTP %d with %s' % (base, status, _message(payload, status) if html
                                                      else 'a body that is not JSON (%r)' % payload.strip()[:80]))
                continue
            self.last_url = base
            if status >= 400:
                raise _registry_error(method, path, status, payload, base)
            return payload
        raise K2Error('no schema registry answered %s %s within %ss: %s. Check schema_registry_urls and that the '
                      'registries are up.' % (method, path, self.timeout, '; '.join(tried)), registry_errors=tried)

    def _maybe(self, method, path, missing, body=None, query=None):
        """request() that returns None when the answer is one of the `missing` error codes."""
        try:
            return self.request(method, path, body, query)
        except RegistryError as exc:
            if exc.code in missing:
                return None
            raise

    # -- subjects and versions --------------------------------------------------------------------

    def subjects(self, prefix=None, deleted=False):
        """Subject names; the prefix is also applied here, since Apicurio's ccompat API ignores subjectPrefix."""
        names = self.request('GET', '/subjects', query={'subjectPrefix': prefix,
                                                        'deleted': 'true' if deleted else None}) or []
        return [n for n in names if not prefix or n.startswith(prefix)]

    def versions(self, subject, deleted=False):
        """Version numbers of a subject ([] when it does not exist)."""
        return self._maybe('GET', '/subjects/%s/versions' % _q(subject), (40401, 40404),
                           query={'deleted': 'true' if deleted else None}) or []

    def version(self, subject, version='latest', deleted=False):
        return self._maybe('GET', '/subjects/%s/versions/%s' % (_q(subject), version), (40401, 40402, 40404),
                           query={'deleted': 'true' if deleted else None})

    def all_schemas(self, prefix=None, deleted=False):
        """{subject: {version: entry}} from one GET /schemas (every version of every subject), or None where the
        registry does not serve it (Apicurio's ccompat API answers 404)."""
        try:
            listing = self.request('GET', '/schemas', query={'subjectPrefix': prefix, 'latestOnly': 'false',
                                                             'deleted': 'true' if deleted else None})
        except RegistryError:
            return None
        if not isinstance(listing, list):
            return None
        out = {}
        for entry in listing:
            if isinstance(entry, dict) and entry.get('subject') and (not prefix or entry['subject'].startswith(prefix)):
                out.setdefault(entry['subject'], {})[entry.get('version')] = entry
        return out

    def lookup(self, subject, payload, normalize=False):
        """The registered version matching payload ({schema, schemaType, references}), or None."""
        return self._maybe('POST', '/subjects/%s' % _q(subject), (40401, 40403, 40404), body=payload,
                           query={'normalize': 'true' if normalize else None})

    def test_compatibility(self, subject, payload):
        """(is_compatible, reasons) against the latest version at the subject's level, asking for reasons."""
        answer = self.request('POST', '/compatibility/subjects/%s/versions/latest' % _q(subject), body=payload,
                              query={'verbose': 'true'}) or {}
        return bool(answer.get('is_compatible')), list(answer.get('messages') or [])

    def register(self, subject, payload, normalize=False):
        """Register; payload may carry explicit `id` and `version` (IMPORT mode). Returns the schema id."""
        answer = self.request('POST', '/subjects/%s/versions' % _q(subject), body=payload,
                              query={'normalize': 'true' if normalize else None})
        return answer.get('id')

    def schema_by_id(self, schema_id):
        """{schema, schemaType, references} of a schema id (None when the registry does not know it)."""
        return self._maybe('GET', '/schemas/ids/%d' % int(schema_id), (40403,))

    def delete_subject(self, subject, permanent=False):
        return self.request('DELETE', '/subjects/%s' % _q(subject),
                            query={'permanent': 'true' if permanent else None}) or []

    # -- config and mode --------------------------------------------------------------------------

    def compatibility(self, subject=None):
        """The subject's own level (None when it has none) or, without subject, the global level."""
        path = '/config/%s' % _q(subject) if subject else '/config'
        answer = self._maybe('GET', path, (40401, 40408)) or {}
        return answer.get('compatibilityLevel') or answer.get('compatibility')

    def set_compatibility(self, level, subject=None):
        path = '/config/%s' % _q(subject) if subject else '/config'
        return self.request('PUT', path, body={'compatibility': level})

    def mode(self, subject=None):
        """The mode (READWRITE, READONLY, IMPORT) or None when the registry has no mode API."""
        path = '/mode/%s' % _q(subject) if subject else '/mode'
        try:
            answer = self.request('GET', path, query={'defaultToGlobal': 'true'} if subject else None) or {}
        except RegistryError as exc:
            if exc.status == 404:
                return None
            raise
        return answer.get('mode')

    def set_mode(self, mode, subject=None):
        path = '/mode/%s' % _q(subject) if subject else '/mode'
        try:
            return self.request('PUT', path, body={'mode': mode})
        except RegistryError as exc:
            if exc.status == 404 and exc.code in (404, 40401, None):
                raise K2Error('the registry at %s does not support modes (PUT %s answered 404), so it cannot '
                              'import schemas with their ids; register them without id/version instead'
                              % (exc.details.get('registry_url'), path), error_code=exc.code)
            raise


def _status(client, method, path, body=None, query=None):
    """(HTTP status, payload) of one call; a registry that does not answer raises K2Error."""
    try:
        return 200, client.request(method, path, body, query)
    except RegistryError as exc:
        return exc.status, exc.code


# What each registry of the field can do with modes, as each documents it (../shared/K2-PLATFORM.md):
# (mode_writable_global, mode_writable_subject, import_mode). A registry that serves /mode and is none of
# these is unknown (None: not known without trying a write, which an info module never does).
FLAVOURS = {'confluent': (True, True, True), 'karapace': (False, False, False), 'apicurio': (False, False, False),
            'unknown': (None, None, None)}


def _flavour(client, mode_readable):
    """Which registry this is, from read-only endpoints: no mode API is Apicurio's ccompat API; Confluent
    answers GET /v1/metadata/id with its scope; Karapace's health endpoint reports schema_registry_ready."""
    if not mode_readable:
        return 'apicurio'
    status, answer = _status(client, 'GET', '/v1/metadata/id')
    if status == 200 and isinstance(answer, dict) and isinstance(answer.get('scope'), dict):
        return 'confluent'
    for path in ('/_health', '/health'):
        status, answer = _status(client, 'GET', path)
        if status == 200 and isinstance(answer, dict) and (
                'schema_registry_ready' in answer or 'schema_registry_ready' in (answer.get('status') or {})):
            return 'karapace'
    return 'unknown'


def probe_capabilities(client):
    """What the registry behind `client` can do, found by reading only: GET /mode, GET /schemas?limit=1, the
    registry's own identification (GET /v1/metadata/id, the health endpoint), and a verbose compatibility test
    of an existing subject's latest version against itself (a POST that stores nothing). A read-only credential
    gets the same answer, and the registry's audit log sees no write.

    Mode writes and IMPORT follow from which registry it is (FLAVOURS): explicit ids are honoured only where
    IMPORT is (Confluent); Karapace refuses them and Apicurio ignores them. For an unknown registry they are
    None, and restore keeps to new ids.
    """
    caps = dict(mode_readable=False, mode=None, mode_writable_global=False, mode_writable_subject=False,
                import_mode=False, explicit_ids=False, schemas_endpoint=False, verbose_compatibility=None)
    status, answer = _status(client, 'GET', '/mode')
    if status == 200 and isinstance(answer, dict) and answer.get('mode'):
        caps.update(mode_readable=True, mode=answer['mode'])
    caps['flavour'] = _flavour(client, caps['mode_readable'])
    writable_global, writable_subject, import_mode = FLAVOURS[caps['flavour']]
    caps.update(mode_writable_global=writable_global, mode_writable_subject=writable_subject,
                import_mode=import_mode, explicit_ids=import_mode)
    caps['schemas_endpoint'] = _status(client, 'GET', '/schemas', query={'limit': 1})[0] == 200
    subjects = _status(client, 'GET', '/subjects')[1]
    if isinstance(subjects, list) and subjects:
        latest = client.version(subjects[0])
        if latest:
            body = {'schema': latest['schema'], 'schemaType': latest.get('schemaType', 'AVRO'),
                    'references': latest.get('references') or []}
            status, answer = _status(client, 'POST', '/compatibility/subjects/%s/versions/latest' % _q(subjects[0]),
                                     body, {'verbose': 'true'})
            caps['verbose_compatibility'] = status == 200 and isinstance(answer, dict) and 'messages' in answer
    return caps


def instances(params):
    """[{url, reachable, error}] for each URL on its own (GET /config), without failover."""
    check_registry_options(params, split_urls(params.get('schema_registry_urls')))
    out = []
    for url in split_urls(params.get('schema_registry_urls')):
        client = RegistryClient(dict(params, schema_registry_urls=[url]))
        try:
            client.request('GET', '/config')
            out.append({'url': url, 'reachable': True, 'error': None})
        except K2Error as exc:
            reachable = isinstance(exc, RegistryError)  # any HTTP answer means it is up
            out.append({'url': url, 'reachable': reachable, 'error': None if reachable else exc.msg})
        finally:
            client.transport.close()
    return out


def parallel_map(client, work, items, workers=4):
    """[work(thread_client, item) for item in items], in order, over `workers` threads.

    Each thread gets its own clone of `client`, so each keeps its own kept-alive connections. An exception in
    one item is raised again here after every thread has finished. One worker runs everything on `client`.
    """
    items = list(items)
    workers = max(1, min(int(workers or 1), len(items)))
    if workers == 1:
        return [work(client, item) for item in items]
    results = [None] * len(items)
    lock = threading.Lock()
    queue = list(enumerate(items))
    queue.reverse()

    def run():
        own = client.clone()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    index, item = queue.pop()
                try:
                    results[index] = work(own, item)
                except Exception as exc:  # pylint: disable=broad-except  # re-raised in the calling thread
                    results[index] = _Raised(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=run) for dummy in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, _Raised):
            raise result.exc
    return results


class _Raised:
    def __init__(self, exc):
        self.exc = exc


def _q(subject):
    return quote(subject, safe='')


class NotJson(str):
    """A body that is not JSON (an HTML page from a proxy, a wrong path, another service)."""


def _parse(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return NotJson(raw.decode('utf-8', 'replace') if isinstance(raw, bytes) else raw)


def _message(payload, status):
    if isinstance(payload, dict) and payload.get('message'):
        return payload['message']
    if isinstance(payload, NotJson) and payload.lstrip().startswith('<'):
        return ('an HTML page, not a registry API answer (check the path of schema_registry_urls, e.g. '
                '/apis/ccompat/v7 for Apicurio)')
    if isinstance(payload, str) and payload.strip():
        return payload.strip()[:200]
    return http_client.responses.get(status, '')


def _registry_error(method, path, status, payload, url):
    code = payload.get('error_code') if isinstance(payload, dict) else None
    code = code or status
    meaning = ERROR_MEANINGS.get(code) or ERROR_MEANINGS.get(status) or 'HTTP %d' % status
    return RegistryError('%s %s: %s (error %s): %s' % (method, path, meaning, code, _message(payload, status)),
                         code, status, url)
