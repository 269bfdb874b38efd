#!/usr/bin/env python3
"""Inventory script: the dev stack's services as inventory hosts, like a real site's brokers and registries.

Groups kafka_broker (one host per Kafka node, with k2_broker_id) and schema_registry (one host per registry,
with k2_registry_url). Each host is controlled by commands (k2_service_control: command) that call the
repository's dev-stack tool, so the roles treat the dev stack exactly like any other site. The layout is the
running stack's (K2_STACK_DIR, default .stack), or the one `make stack-up` would start.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "devstack", "devstack.py")
sys.path.insert(0, os.path.dirname(TOOL))
import devstack  # noqa: E402  pylint: disable=wrong-import-position


def service_vars(name):
    tool = ["{{ ansible_playbook_python }}", TOOL]
    return {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "k2_service_control": "command", "k2_service_name": name,
            "k2_service_start_cmd": tool + ["start", name], "k2_service_stop_cmd": tool + ["stop", name],
            "k2_service_wipe_cmd": tool + ["wipe", name],
            "k2_service_logs_cmd": ["tail", "-n", "5000", devstack.log_path(name)]}


def inventory():
    layout = devstack.load_layout() or devstack.plan_layout()
    hostvars = {}
    for node in layout["nodes"]:
        hostvars[node["name"]] = dict(service_vars(node["name"]), k2_broker_id=node["id"],
                                      k2_broker_data_dir=os.path.join(devstack.stack_dir(), "data", node["name"]))
    for reg, url in zip(layout["registries"], layout["schema_registry_urls"]):
        hostvars[reg["name"]] = dict(service_vars(reg["name"]), k2_registry_url=url)
    return {"kafka_broker": {"hosts": [n["name"] for n in layout["nodes"]]},
            "schema_registry": {"hosts": [r["name"] for r in layout["registries"]]},
            "_meta": {"hostvars": hostvars}}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--host":
        print(json.dumps(inventory()["_meta"]["hostvars"].get(sys.argv[2], {})))
    else:
        print(json.dumps(inventory(), indent=2))
