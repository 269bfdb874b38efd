"""Stand-in for ansible-test's pip bootstrap script (get-pip-<version>.py), which ansible-test downloads from
a host this project's machines cannot reach. Same contract: run inside a fresh virtualenv with pip's own
arguments (e.g. `pip==24.2 --no-setuptools --no-wheel`); it bootstraps pip from the standard library's
ensurepip, then lets that pip install what was asked from the package index (PyPI).

ansible-test runs pip with PIP_CONFIG_FILE=/dev/null and a filtered environment, so a machine whose PyPI
traffic goes through a TLS proxy loses its CA bundle. A .pth file in the throwaway virtualenv puts the
bundle back (PIP_CERT) for every pip run in it.

`make sanity` copies it to ~/.ansible/test/cache/get_pip_<version>.py before running ansible-test.
"""
import ensurepip
import os
import subprocess
import sys
import sysconfig

BUNDLE = os.environ.get("K2_PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt"
if os.path.exists(BUNDLE):
    with open(os.path.join(sysconfig.get_paths()["purelib"], "k2_pip_cert.pth"), "w") as handle:
        handle.write("import os; os.environ.setdefault('PIP_CERT', %r)\n" % BUNDLE)
    os.environ.setdefault("PIP_CERT", BUNDLE)
ensurepip.bootstrap(upgrade=True, default_pip=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args))
