"""A fake of module_utils.kafka_client.KafkaAdmin: same methods, plain data, and a log of every write."""
import copy


class FakeAdmin:
    DEFAULT_CONFIG = {"retention.ms": "604800000", "cleanup.policy": "delete", "compression.type": "producer",
                      "min.insync.replicas": "1", "segment.bytes": "1073741824"}
    READ_ONLY = {"message.format.version.internal"}

    def __init__(self, topics=None, refuse=None, fail=None):
        # topics: {name: {"partitions": n, "replication_factor": r, "config": {overrides}}}
        self.topics = copy.deepcopy(topics or {})
        self.refuse = refuse or {}   # {name: message} refused by validate_only
        self.fail = fail or {}       # {name: message} failing on the real call
        self.calls = []

    def describe_topics(self, names):
        self.calls.append(("describe_topics", sorted(names)))
        return dict((n, {"partitions": t["partitions"], "replication_factor": t["replication_factor"],
                         "partition_details": []}) for n, t in self.topics.items() if n in names)

    def describe_topic_configs(self, names):
        self.calls.append(("describe_topic_configs", sorted(names)))
        out = {}
        for name in names:
            overrides = self.topics[name].get("config", {})
            entries = dict((k, {"value": v, "override": False, "read_only": False, "sensitive": False})
                           for k, v in self.DEFAULT_CONFIG.items())
            entries.update((k, {"value": "x", "override": False, "read_only": True, "sensitive": False})
                           for k in self.READ_ONLY)
            entries.update((k, {"value": v, "override": True, "read_only": False, "sensitive": False})
                           for k, v in overrides.items())
            out[name] = entries
        return out

    def _answer(self, op, names, validate_only):
        self.calls.append((op + (":validate" if validate_only else ""), sorted(names)))
        source = self.refuse if validate_only else self.fail
        return dict((n, source.get(n)) for n in names)

    def create_topics(self, specs, validate_only=False):
        result = self._answer("create_topics", [s["name"] for s in specs], validate_only)
        if not validate_only:
            for s in specs:
                if not result[s["name"]]:
                    self.topics[s["name"]] = {"partitions": s["partitions"],
                                              "replication_factor": s.get("replication_factor") or 1,
                                              "config": dict(s["config"])}
        return result

    def create_partitions(self, counts, validate_only=False):
        result = self._answer("create_partitions", list(counts), validate_only)
        if not validate_only:
            for name, count in counts.items():
                if not result[name]:
                    self.topics[name]["partitions"] = count
        return result

    def alter_topic_configs(self, changes, validate_only=False):
        result = self._answer("alter_topic_configs", list(changes), validate_only)
        if not validate_only:
            for name, change in changes.items():
                if not result[name]:
                    config = self.topics[name].setdefault("config", {})
                    config.update(change.get("set", {}))
                    for key in change.get("delete", []):
                        config.pop(key, None)
        return result

    def delete_topics(self, names):
        result = self._answer("delete_topics", list(names), False)
        for name in names:
            if not result[name]:
                del self.topics[name]
        return result

    def writes(self):
        return [c for c in self.calls if not c[0].startswith("describe") and not c[0].endswith(":validate") and c[1]]


class FakeClusterAdmin(FakeAdmin):
    """FakeAdmin plus what health and group checks read: cluster, partitions, offsets, groups."""

    def __init__(self, topics=None, brokers=1, offsets=None, groups=None, down=False, **kw):
        FakeAdmin.__init__(self, topics, **kw)
        self.params = {"bootstrap_servers": "fake:9092"}
        self.brokers = brokers
        self.offsets = offsets or {}   # {(topic, partition): (earliest, latest)}
        self.groups = groups or {}     # {group: {(topic, partition): committed}}
        self.down = down
        self.isr = {}                  # {(topic, partition): [isr]} overrides
        self.active = set()            # groups with members
        self.sizes = {}                # {(topic, partition): bytes} on broker 1's log dir
        self.disk = (100 * 2 ** 30, 90 * 2 ** 30)  # broker log dirs' (total, usable) bytes

    def _check(self):
        if self.down:
            from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
            raise K2Error("Kafka at fake:9092 did not answer describe cluster within request_timeout=3s")

    def describe_cluster(self):
        self._check()
        return {"cluster_id": "fake", "controller_id": 1,
                "brokers": [{"id": i, "host": "h", "port": 9092, "rack": None} for i in range(1, self.brokers + 1)]}

    def describe_log_dirs(self, brokers):
        self.calls.append(("describe_log_dirs", [b["id"] for b in brokers]))
        return dict((b["id"], [{"log_dir": "/data/%d" % b["id"], "error": None, "total_bytes": self.disk[0],
                                "usable_bytes": self.disk[1],
                                "partitions": dict(self.sizes) if b["id"] == 1 else {}}]) for b in brokers)

    def list_topic_names(self):
        self._check()
        return sorted(self.topics)

    def describe_topics(self, names):
        out = FakeAdmin.describe_topics(self, names)
        for name, desc in out.items():
            rf = desc["replication_factor"]
            desc["partition_details"] = [
                {"partition": p, "leader": 1, "replicas": list(range(1, rf + 1)),
                 "isr": self.isr.get((name, p), list(range(1, rf + 1)))} for p in range(desc["partitions"])]
        return out

    def list_offsets(self, partitions, spec):
        return dict((tp, self.offsets.get(tp, (0, 0))[0 if spec == "earliest" else 1]) for tp in partitions)

    def list_groups(self):
        return [{"group_id": g, "state": "EMPTY", "simple": False} for g in sorted(self.groups)]

    def describe_groups(self, ids):
        return dict((g, {"state": "STABLE" if g in self.active else "EMPTY",
                         "members": [{"member_id": "m1"}] if g in self.active else []}) for g in ids)

    def alter_group_offsets(self, offsets):
        self.calls.append(("alter_group_offsets", sorted(offsets)))
        for group, parts in offsets.items():
            self.groups.setdefault(group, {}).update(parts)
        return dict((g, None) for g in offsets)

    def group_offsets(self, ids):
        return dict((g, dict(self.groups.get(g, {}))) for g in ids)
