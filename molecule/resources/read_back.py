"""Read the cluster and the registry back with the plain clients (confluent-kafka's AdminClient, HTTP) and
compare them with the site's source files: topics.yaml expanded here on its own (not with the collection's
model) and the .avsc schemas. Used by the Molecule verify playbooks, so that what is verified never comes from
the code under test, nor from a backup that code wrote.

    read_back.py --site <K2 checkout> --bootstrap host:port --registry <url>

Prints one JSON object {checked, problems}; exits 1 when a problem was found."""
import argparse
import json
import sys
import urllib.request

import yaml
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType


def expected(site):
    """{topic: {partitions, replication_factor, config}}, {subject: schema} from topics.yaml and the .avsc files."""
    with open("%s/config/kafka/topics.yaml" % site) as handle:
        data = yaml.safe_load(handle)
    defaults = data.get("defaults") or {}
    pattern = (data.get("schema_registry") or {}).get("subject_pattern", "market.{asset_class}.{data_type}-value")
    topics, subjects = {}, {}
    for asset_class, spec in data["asset_classes"].items():
        for data_type, kind in data["data_types"].items():
            for exchange, venue in (spec.get("exchanges") or {}).items():
                topics["market.%s.%s.%s" % (asset_class, data_type, exchange)] = {
                    "partitions": kind.get("partitions") or venue["partitions"],
                    "replication_factor": defaults.get("replication_factor", 1),
                    "config": dict((k, str(v)) for k, v in (kind.get("config") or {}).items())}
            with open("%s/src/k2/schemas/%s.avsc" % (site, kind["schema_name"])) as handle:
                subjects[pattern.format(asset_class=asset_class, data_type=data_type)] = json.load(handle)
    return topics, subjects


def get(registry, path):
    with urllib.request.urlopen(registry + path, timeout=30) as answer:
        return json.loads(answer.read())


def topic_problems(want_topics, bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    meta = admin.list_topics(timeout=30).topics
    found = []
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in sorted(want_topics) if name in meta]
    configs = dict((res.name, future.result(30)) for res, future in admin.describe_configs(resources).items()) \
        if resources else {}
    for name, want in sorted(want_topics.items()):
        if name not in meta:
            found.append("%s: no such topic" % name)
            continue
        partitions = meta[name].partitions
        if len(partitions) < want["partitions"]:  # more is fine: raise_partitions may have raised it earlier
            found.append("%s: %d partitions, topics.yaml has %d" % (name, len(partitions), want["partitions"]))
        factors = set(len(p.replicas) for p in partitions.values())
        if factors != {want["replication_factor"]}:
            found.append("%s: replication factors %s, topics.yaml has %d"
                         % (name, sorted(factors), want["replication_factor"]))
        for key, value in sorted(want["config"].items()):
            live = configs[name].get(key)
            if live is None or live.value != value:
                found.append("%s: %s is %r, topics.yaml has %r" % (name, key, live and live.value, value))
    return found


def subject_problems(want_subjects, registry):
    found = []
    for subject, schema in sorted(want_subjects.items()):
        # every version of the subject, each compared as JSON with the .avsc file (a registry may store the
        # text in another layout than the file's, and its lookup may compare text)
        try:
            versions = [get(registry, "/subjects/%s/versions/%d" % (subject, v))
                        for v in get(registry, "/subjects/%s/versions" % subject)]
        except OSError as exc:  # HTTPError 404: the subject is not there
            found.append("%s: %s" % (subject, exc))
            continue
        if not any(json.loads(v["schema"]) == schema for v in versions):
            found.append("%s: none of its %d versions is the .avsc file's schema" % (subject, len(versions)))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--site", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--registry", required=True, action="append")
    args = parser.parse_args()
    want_topics, want_subjects = expected(args.site)
    found = topic_problems(want_topics, args.bootstrap)
    for registry in args.registry:  # each registry on its own: they share one state through Kafka
        found += ["%s: %s" % (registry, p) for p in subject_problems(want_subjects, registry.rstrip("/"))]
    checked = len(want_topics) + len(want_subjects)
    print(json.dumps({"checked": checked, "problems": found}, indent=2))
    return 1 if found or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
