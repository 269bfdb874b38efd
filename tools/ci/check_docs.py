#!/usr/bin/env python3
"""Every module and filter of the collection renders with ansible-doc: one ansible-doc run per plugin type (a
run per plugin cost about 0.6 s each). ansible-doc exits 0 and only warns when a plugin is missing or its
documentation does not load, so the JSON it prints is compared with the files."""
import json
import os
import subprocess
import sys

ANSIBLE_DOC = os.path.join(os.path.dirname(sys.executable), "ansible-doc")


def names(folder, suffix):
    return sorted("k2.kafka_ops." + f[:-len(suffix)] for f in os.listdir(folder)
                  if f.endswith(suffix) and not f.startswith("_"))


def check(plugin_type, wanted):
    run = subprocess.run([ANSIBLE_DOC, "--json", "-t", plugin_type] + wanted, capture_output=True, text=True, check=False)
    try:
        found = json.loads(run.stdout or "{}")
    except ValueError:
        found = {}
    missing = [name for name in wanted if not (found.get(name) or {}).get("doc")]
    if run.returncode or missing or run.stderr.strip():
        sys.exit("ansible-doc -t %s: %s did not render\n%s" % (plugin_type, ", ".join(missing) or "(all rendered)",
                                                              run.stderr.strip()))
    print("ansible-doc: %d %s plugins render" % (len(wanted), plugin_type))


if __name__ == "__main__":
    check("module", names("plugins/modules", ".py"))
    check("filter", names("plugins/filter", ".yml"))
