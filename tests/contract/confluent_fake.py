"""A local HTTP server answering as Confluent Schema Registry documents its REST API, for the behaviours the
dev registry (Apicurio's ccompat API) lacks: IMPORT mode with explicit ids and versions, error 40901,
verbose compatibility reasons, 40408 for a subject without its own level, and (switchable) a registry that
refuses PUT /config/{subject} before the subject exists.

`personality` plays each registry of the field as documented (../shared/K2-PLATFORM.md):
- confluent: modes readable and writable; IMPORT refused (42205) while subjects exist unless ?force=true
  (global) and on a non-empty subject (per subject); explicit id and version honoured only in IMPORT;
  DELETE /mode/{subject}; GET /schemas; full verbose reasons; GET /v1/metadata/id answers its scope.
- karapace: GET /mode answers READWRITE, PUT /mode and PUT /mode/{subject} answer 405; an explicit id is
  refused with 422; verbose reasons are short field names; 409 for incompatible; GET /_health answers
  schema_registry_ready.
- apicurio: no mode API (404); explicit ids and versions are ignored; no verbose reasons; 409; no GET /schemas.
`always_status` answers every request with that HTTP status (a registry in trouble, e.g. 503).

Compatibility is modelled only as far as the tests need: under BACKWARD a new Avro record may add fields
with a default; adding a field without a default is incompatible, as Confluent reports it.
"""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse


PERSONALITIES = ("confluent", "karapace", "apicurio")


class Registry:
    def __init__(self, incompatible_code=None, config_needs_subject=False, supports_mode=None,
                 personality="confluent", always_status=None):
        assert personality in PERSONALITIES, personality
        self.personality = personality
        self.always_status = always_status
        if incompatible_code is None:
            incompatible_code = 40901 if personality == "confluent" else 409
        if supports_mode is None:
            supports_mode = personality != "apicurio"
        self.subjects = {}          # subject -> [{"version", "id", "schema", "deleted"}]
        self.schemas = {}           # id -> schema text
        self.config = {}            # subject -> level
        self.global_level = "BACKWARD"
        self.mode = {}              # subject -> mode
        self.global_mode = "READWRITE"
        self.incompatible_code = incompatible_code
        self.config_needs_subject = config_needs_subject
        self.supports_mode = supports_mode
        self.requests = []
        self.lock = threading.Lock()

    def next_id(self):
        return max(self.schemas, default=0) + 1


def _fields(schema_text):
    try:
        return dict((f["name"], f) for f in json.loads(schema_text).get("fields", []))
    except (ValueError, AttributeError):
        return {}


def _incompatibilities(new, old):
    """Confluent-style verbose messages for a BACKWARD check (reader=new, writer=old)."""
    old_fields = _fields(old)
    return ["{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field '%s' at path '/fields/%d' in "
            "the new schema has no default value and is missing in the old schema', additionalInfo:'%s'}"
            % (name, i, name)
            for i, (name, f) in enumerate(_fields(new).items()) if name not in old_fields and "default" not in f]


class Handler(BaseHTTPRequestHandler):
    registry = None  # set per server

    def log_message(self, *args):
        pass

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, code, message):
        self._send(status, {"error_code": code, "message": message})

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    def do_DELETE(self):
        self._route("DELETE")

    def _route(self, method):
        url = urlparse(self.path)
        query = dict((k, v[0]) for k, v in parse_qs(url.query).items())
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        reg = self.registry
        with reg.lock:
            reg.requests.append((method, url.path, query))
            if reg.always_status:
                return self._error(reg.always_status, reg.always_status, "registry unavailable")
            for pattern, handler in ROUTES:
                if pattern[0] == method and re.match(pattern[1], "/".join(parts)):
                    return handler(self, reg, parts, query)
        self._error(404, 404, "HTTP 404 Not Found")

    # -- handlers ------------------------------------------------------------------------------

    def live(self, reg, subject, deleted=False):
        return [v for v in reg.subjects.get(subject, []) if deleted or not v["deleted"]]

    def get_subjects(self, reg, parts, query):
        prefix = query.get("subjectPrefix", "")
        self._send(200, sorted(s for s in reg.subjects if s.startswith(prefix) and
                               self.live(reg, s, query.get("deleted") == "true")))

    def get_versions(self, reg, parts, query):
        versions = self.live(reg, parts[1], query.get("deleted") == "true")
        if not versions:
            return self._error(404, 40401, "Subject '%s' not found." % parts[1])
        self._send(200, [v["version"] for v in versions])

    def get_version(self, reg, parts, query):
        versions = self.live(reg, parts[1], query.get("deleted") == "true")
        if not versions:
            return self._error(404, 40401, "Subject '%s' not found." % parts[1])
        match = versions[-1:] if parts[3] == "latest" else [v for v in versions if str(v["version"]) == parts[3]]
        if not match:
            return self._error(404, 40402, "Version %s not found." % parts[3])
        v = match[0]
        self._send(200, {"subject": parts[1], "version": v["version"], "id": v["id"], "schema": v["schema"],
                         "schemaType": "AVRO", "references": []})

    def lookup(self, reg, parts, query):
        versions = self.live(reg, parts[1])
        if not versions:
            return self._error(404, 40401, "Subject '%s' not found." % parts[1])
        schema = self._body()["schema"]
        for v in versions:
            if json.loads(v["schema"]) == json.loads(schema):
                return self._send(200, {"subject": parts[1], "version": v["version"], "id": v["id"],
                                        "schema": v["schema"]})
        self._error(404, 40403, "Schema not found")

    def level(self, reg, subject):
        return reg.config.get(subject, reg.global_level)

    def mode_of(self, reg, subject):
        return reg.mode.get(subject, reg.global_mode)

    def register(self, reg, parts, query):
        subject, body = parts[1], self._body()
        versions = self.live(reg, subject)
        explicit = "id" in body or "version" in body
        if explicit and reg.personality == "karapace":
            return self._error(422, 42201, "Unrecognized field: id")
        if explicit and reg.personality == "apicurio":  # ignored, as Apicurio's ccompat API does
            body = dict((k, v) for k, v in body.items() if k not in ("id", "version"))
            explicit = False
        if explicit and self.mode_of(reg, subject) != "IMPORT":
            return self._error(422, 42205, "Subject %s is not in import mode" % subject)
        if self.mode_of(reg, subject) == "READONLY":
            return self._error(422, 42205, "Subject %s is in read-only mode" % subject)
        if versions and not explicit and self.level(reg, subject) != "NONE":
            problems = _incompatibilities(body["schema"], versions[-1]["schema"])
            if problems:
                return self._error(409, reg.incompatible_code, "Schema being registered is incompatible with an "
                                                               "earlier schema for subject \"%s\", details: %s"
                                   % (subject, problems))
        if body.get("id") in reg.schemas and json.loads(reg.schemas[body["id"]]) != json.loads(body["schema"]):
            return self._error(422, 42205, "Overwrite new schema with id %s is not permitted." % body["id"])
        schema_id = body.get("id") or next((i for i, s in reg.schemas.items() if s == body["schema"]), None) \
            or reg.next_id()
        reg.schemas[schema_id] = body["schema"]
        version = body.get("version") or (max([v["version"] for v in reg.subjects.get(subject, [])], default=0) + 1)
        reg.subjects.setdefault(subject, []).append({"version": version, "id": schema_id, "schema": body["schema"],
                                                     "deleted": False})
        self._send(200, {"id": schema_id})

    def compatibility(self, reg, parts, query):
        subject = parts[2]
        versions = self.live(reg, subject)
        if not versions:
            return self._error(404, 40401, "Subject '%s' not found." % subject)
        problems = _incompatibilities(self._body()["schema"], versions[-1]["schema"])
        answer = {"is_compatible": not problems}
        if query.get("verbose") == "true" and reg.personality == "confluent":
            answer["messages"] = problems
        elif query.get("verbose") == "true" and reg.personality == "karapace":
            answer["messages"] = [re.search(r"additionalInfo:'([^']*)'", p).group(1) for p in problems]
        self._send(200, answer)

    def get_config(self, reg, parts, query):
        if len(parts) == 1:
            return self._send(200, {"compatibilityLevel": reg.global_level})
        if parts[1] not in reg.config:
            if query.get("defaultToGlobal") == "true":
                return self._send(200, {"compatibilityLevel": reg.global_level})
            return self._error(404, 40408, "Subject '%s' does not have subject-level compatibility configured"
                               % parts[1])
        self._send(200, {"compatibilityLevel": reg.config[parts[1]]})

    def put_config(self, reg, parts, query):
        level = self._body()["compatibility"]
        if level not in ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
                         "FULL_TRANSITIVE"):
            return self._error(422, 42203, "Invalid compatibility level. Valid values are none, backward, ...")
        if len(parts) == 1:
            reg.global_level = level
        else:
            if reg.config_needs_subject and not self.live(reg, parts[1]):
                return self._error(404, 40401, "Subject '%s' not found." % parts[1])
            reg.config[parts[1]] = level
        self._send(200, {"compatibility": level})

    def get_mode(self, reg, parts, query):
        if not reg.supports_mode:
            return self._error(404, 404, "HTTP 404 Not Found")
        self._send(200, {"mode": self.mode_of(reg, parts[1]) if len(parts) > 1 else reg.global_mode})

    def put_mode(self, reg, parts, query):
        if not reg.supports_mode:
            return self._error(404, 404, "HTTP 404 Not Found")
        if reg.personality == "karapace":
            return self._error(405, 405, "HTTP 405 Method Not Allowed")
        mode = self._body()["mode"]
        if len(parts) == 1:
            if mode == "IMPORT" and reg.subjects and query.get("force") != "true":
                return self._error(422, 42205, "Cannot import since found existing subjects")
            reg.global_mode = mode
        else:
            if mode == "IMPORT" and self.live(reg, parts[1]) and query.get("force") != "true":
                return self._error(422, 42205, "Cannot import since found existing subjects")
            reg.mode[parts[1]] = mode
        self._send(200, {"mode": mode})

    def delete_mode(self, reg, parts, query):
        if reg.personality != "confluent":
            return self._error(404 if reg.personality == "apicurio" else 405, 405, "Not supported")
        previous = reg.mode.pop(parts[1], None)
        if previous is None:
            return self._error(404, 40401, "Subject '%s' not found." % parts[1])
        self._send(200, {"mode": previous})

    def get_metadata_id(self, reg, parts, query):
        """Confluent's server metadata (GET /v1/metadata/id): its scope, the Kafka and registry cluster ids."""
        if reg.personality != "confluent":
            return self._error(404, 404, "HTTP 404 Not Found")
        clusters = {"kafka-cluster": "fake-kafka", "schema-registry-cluster": "schema-registry"}
        self._send(200, {"scope": {"path": [], "clusters": clusters}})

    def get_health(self, reg, parts, query):
        """Karapace's health endpoint (GET /_health): whether its reader has caught up."""
        if reg.personality != "karapace":
            return self._error(404, 404, "HTTP 404 Not Found")
        self._send(200, {"status": {"schema_registry_ready": True, "schema_registry_is_primary": True},
                         "healthy": True})

    def get_schemas(self, reg, parts, query):
        if reg.personality == "apicurio":
            return self._error(404, 404, "HTTP 404 Not Found")
        prefix, deleted = query.get("subjectPrefix", ""), query.get("deleted") == "true"
        out = []
        for subject, versions in sorted(reg.subjects.items()):
            listed = [v for v in versions if subject.startswith(prefix) and (deleted or not v["deleted"])]
            if query.get("latestOnly") == "true":
                listed = listed[-1:]
            out.extend({"subject": subject, "version": v["version"], "id": v["id"], "schema": v["schema"]}
                       for v in listed)
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", -1))
        self._send(200, out[offset:] if limit < 0 else out[offset:offset + limit])

    def delete_subject(self, reg, parts, query):
        subject = parts[1]
        versions = reg.subjects.get(subject, [])
        if not versions:
            return self._error(404, 40401, "Subject '%s' not found." % subject)
        if query.get("permanent") == "true":
            if any(not v["deleted"] for v in versions):
                return self._error(404, 40405, "Subject '%s' was not deleted first before being permanently "
                                               "deleted" % subject)
            del reg.subjects[subject]
            return self._send(200, [v["version"] for v in versions])
        live = [v for v in versions if not v["deleted"]]
        if not live:
            return self._error(404, 40404, "Subject '%s' was soft deleted." % subject)
        for v in live:
            v["deleted"] = True
        self._send(200, [v["version"] for v in live])


ROUTES = [
    (("GET", r"^subjects$"), Handler.get_subjects),
    (("GET", r"^subjects/[^/]+/versions$"), Handler.get_versions),
    (("GET", r"^subjects/[^/]+/versions/[^/]+$"), Handler.get_version),
    (("POST", r"^subjects/[^/]+$"), Handler.lookup),
    (("POST", r"^subjects/[^/]+/versions$"), Handler.register),
    (("POST", r"^compatibility/subjects/[^/]+/versions/latest$"), Handler.compatibility),
    (("GET", r"^config(/[^/]+)?$"), Handler.get_config),
    (("PUT", r"^config(/[^/]+)?$"), Handler.put_config),
    (("GET", r"^mode(/[^/]+)?$"), Handler.get_mode),
    (("PUT", r"^mode(/[^/]+)?$"), Handler.put_mode),
    (("DELETE", r"^mode/[^/]+$"), Handler.delete_mode),
    (("GET", r"^schemas$"), Handler.get_schemas),
    (("GET", r"^v1/metadata/id$"), Handler.get_metadata_id),
    (("GET", r"^_health$"), Handler.get_health),
    (("DELETE", r"^subjects/[^/]+$"), Handler.delete_subject),
]


class FakeConfluent:
    """Context manager: a Registry served on 127.0.0.1:<free port>; `.url` is its base URL."""

    def __init__(self, **options):
        self.registry = Registry(**options)
        handler = type("BoundHandler", (Handler,), {"registry": self.registry})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
