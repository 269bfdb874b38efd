#!/usr/bin/env python3
"""The dev stack's command: make, molecule, CI and the tests run it (`devstack.py --help` lists its commands
and settings), and inventories/local/devstack_hosts.py, tools/docker/images.py, tests/bench/bench.py and the
tests import it.

The code is the package k2devstack beside this file, one module per concern; this file runs its command line
and re-exports the names those files use. Standard library only, so it runs before any virtualenv exists.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # loaded by its path (tests/unit) rather than run or imported from this folder
    sys.path.insert(0, HERE)

# pylint: disable=wrong-import-position
from k2devstack.cli import cmd_drain, main  # noqa: E402
from k2devstack.layout import (StackError, extra_ports, load_layout, log_path, plan_layout,  # noqa: E402
                               services, stack_dir)
from k2devstack.maven import APICURIO, JMX_AGENT, apicurio_runner, jmx_agent, kafka_classpath  # noqa: E402
from k2devstack.monitoring import prometheus_config  # noqa: E402
from k2devstack.processes import FdWatch, our_pid, port_holder  # noqa: E402

__all__ = ["APICURIO", "JMX_AGENT", "FdWatch", "StackError", "apicurio_runner", "cmd_drain", "extra_ports",
           "jmx_agent", "kafka_classpath", "load_layout", "log_path", "main", "our_pid", "plan_layout",
           "port_holder", "prometheus_config", "services", "stack_dir"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
