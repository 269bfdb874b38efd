"""The stack's two Apicurio registries (storage in Kafka, answering the Confluent-compatible API): their start,
a small JSON HTTP client, and the wait for them to answer."""
import functools
import json
import urllib.request

from .layout import CCOMPAT
from .monitoring import jmx_agent_args
from .processes import marker, our_pid, spawn, wait_for


def start_registry(layout, reg, java, runner):
    argv = [java, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", marker(reg["name"])]
    argv += jmx_agent_args(reg, "schema-registry.yml")
    argv += ["-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=%d" % reg["port"],
             "-Dapicurio.storage.kind=kafkasql",
             "-Dapicurio.kafkasql.bootstrap.servers=" + layout["bootstrap_servers"],
             "-Dapicurio.rest.deletion.artifact.enabled=true",
             "-Dapicurio.rest.deletion.artifact-version.enabled=true",
             "-Dapicurio.rest.deletion.group.enabled=true",
             "-Dquarkus.log.console.json=false", "-Dquarkus.banner.enabled=false",
             "-jar", runner]
    return spawn(reg["name"], argv)


def http(method, url, body=None, wait=5.0):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=wait) as resp:
        return json.loads(resp.read() or b"null")


def registry_url(reg):
    return "http://127.0.0.1:%d%s" % (reg["port"], CCOMPAT)


def wait_registries(layout, names, deadline):
    for reg in layout["registries"]:
        if reg["name"] in names:
            wait_for(reg["name"], functools.partial(_answers, reg), "GET /subjects on %s" % registry_url(reg),
                     deadline, (OSError, ValueError))


def _answers(reg):
    http("GET", registry_url(reg) + "/subjects")
    return True


def set_global_compatibility(layout):
    """Apicurio's default reads as NONE; the K2 registries run BACKWARD, like Confluent's default."""
    for reg in layout["registries"]:
        if our_pid(reg["name"]) is not None:
            url = registry_url(reg) + "/config"
            if http("GET", url).get("compatibilityLevel") != "BACKWARD":
                http("PUT", url, {"compatibility": "BACKWARD"})
            return
