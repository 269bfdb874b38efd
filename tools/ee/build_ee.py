#!/usr/bin/env python3
"""Build the AWX execution environment image with ansible-builder, unless an image built from the same inputs exists.

    build_ee.py [--definition FILE] [--base-image IMAGE] [--tag NAME:VERSION] [--context DIR]

- The definition is execution-environment.yml or its Debian variant (tools/ee/execution-environment.debian.yml,
  the default of `make ee-image`, since no RPM base can be pulled here).
- --base-image is handed to ansible-builder as the EE_BASE_IMAGE build argument (default: the definition's
  images.base_image.name). When it is the local Debian base (k2-ee-base:*), tools/ee/Dockerfile.base builds it
  on tools/docker/base-image.sh's image (K2_BASE_IMAGE, default k2-base:bookworm), again only when its inputs
  change.
- Inputs: the definition, requirements.txt, the collection tarball's MANIFEST.json (which carries the checksum
  of every file in it: `ansible-galaxy collection build` writes a tarball whose bytes differ on each run, its
  content does not), the base image's id, ansible-builder's version. Their sha256 is the image's label
  org.k2.ee.inputs; an image with the same label under the same tag is reused.
- Prints what it built or reused and how long each build took.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(REPO, "tools", "ee")
LABEL = "org.k2.ee.inputs"
BASE_LABEL = "org.k2.ee.base-inputs"
LOCAL_BASE_PREFIX = "k2-ee-base:"


def say(message):
    print("ee-image: " + message, flush=True)


def docker_path_env():
    """ansible-builder runs `docker` from PATH. Debian's 20.10 client matches the engine here; the machine's v28
    client in /usr/local/bin works too but prints a 'legacy builder deprecated' notice on every build."""
    env = dict(os.environ)
    if os.path.exists("/usr/bin/docker") and shutil.which("docker") != "/usr/bin/docker":
        shim = tempfile.mkdtemp(prefix="k2-ee-docker-")
        os.symlink("/usr/bin/docker", os.path.join(shim, "docker"))
        env["PATH"] = shim + os.pathsep + env.get("PATH", "")
    return env


def image_labels(image, env):
    """{'id': ..., 'labels': {...}} of a local image, or None when it does not exist."""
    result = subprocess.run(["docker", "image", "inspect", "--format", "{{json .}}", image],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        return None
    data = json.loads(result.stdout)
    return {"id": data["Id"], "labels": (data.get("Config") or {}).get("Labels") or {}}


def sha256(*chunks):
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk if isinstance(chunk, bytes) else chunk.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def tarball_identity(path):
    with tarfile.open(path) as tar:
        names = [n for n in tar.getnames() if os.path.basename(n) == "MANIFEST.json"]
        if not names:
            sys.exit("ee-image: %s has no MANIFEST.json: not a collection tarball" % path)
        return tar.extractfile(names[0]).read()


def remove_if_unused(image_id, env):
    """The image a rebuild replaced, by id; kept when a container still uses it."""
    subprocess.run(["docker", "image", "rm", image_id], capture_output=True, env=env)


def ensure_local_base(image, env):
    """tools/ee/Dockerfile.base on K2_BASE_IMAGE, built when missing or when its inputs changed."""
    parent = os.environ.get("K2_BASE_IMAGE", "k2-base:bookworm")
    parent_info = image_labels(parent, env)
    if parent_info is None:
        sys.exit("ee-image: the Debian base %s is missing: make base-image (tools/docker/base-image.sh) builds it"
                 % parent)
    inputs = sha256(read(os.path.join(HERE, "Dockerfile.base")), parent_info["id"])
    have = image_labels(image, env)
    if have and have["labels"].get(BASE_LABEL) == inputs:
        say("base %s reused (inputs unchanged)" % image)
        return
    say("base %s: building from tools/ee/Dockerfile.base on %s" % (image, parent))
    started = time.monotonic()
    subprocess.run(["docker", "build", "--quiet", "--build-arg", "K2_BASE_IMAGE=" + parent, "--label",
                    "%s=%s" % (BASE_LABEL, inputs), "-t", image, "-f", os.path.join(HERE, "Dockerfile.base"), HERE],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    say("base %s built in %.0f s" % (image, time.monotonic() - started))
    if have:
        remove_if_unused(have["id"], env)


def main():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        galaxy = yaml.safe_load(handle)
    version = galaxy["version"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--definition", default=os.path.join(HERE, "execution-environment.debian.yml"))
    parser.add_argument("--base-image", default="")
    parser.add_argument("--tag", default="k2-kafka-ops-ee:" + version)
    parser.add_argument("--context", default=os.path.join(REPO, "build", "ee-image"))
    # the ansible-builder beside this python (the .venv's, pinned in requirements-dev.txt), else PATH's
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    parser.add_argument("--builder", default=beside if os.path.exists(beside) else shutil.which("ansible-builder"))
    args = parser.parse_args()

    with open(args.definition) as handle:
        definition = yaml.safe_load(handle)
    base = args.base_image or definition["images"]["base_image"]["name"]
    tarball = os.path.join(REPO, "build", "%s-%s-%s.tar.gz" % (galaxy["namespace"], galaxy["name"], version))
    if not os.path.isfile(tarball):
        sys.exit("ee-image: %s is missing: make build writes it" % tarball)
    env = docker_path_env()
    if base.startswith(LOCAL_BASE_PREFIX):
        ensure_local_base(base, env)
    base_info = image_labels(base, env)
    # a public base the engine cannot see yet is pulled by the build itself; its name stands in for its id
    base_id = base_info["id"] if base_info else base
    builder_version = subprocess.run([args.builder, "--version"], capture_output=True, text=True,
                                     check=True).stdout.strip()
    inputs = sha256(read(args.definition), read(os.path.join(REPO, "requirements.txt")), tarball_identity(tarball),
                    base_id, builder_version)
    have = image_labels(args.tag, env)
    if have and have["labels"].get(LABEL) == inputs:
        say("%s reused: definition, requirements, collection and base unchanged (%s %s)"
            % (args.tag, LABEL, inputs[:12]))
        return
    say("building %s with ansible-builder %s from %s on %s"
        % (args.tag, builder_version, os.path.relpath(args.definition, REPO), base))
    shutil.rmtree(args.context, ignore_errors=True)
    started = time.monotonic()
    command = [args.builder, "build", "-f", args.definition, "-c", args.context, "-t", args.tag,
               "--container-runtime", "docker", "--build-arg", "EE_BASE_IMAGE=" + base,
               "--extra-build-cli-args", "--label %s=%s --label org.k2.ee.version=%s" % (LABEL, inputs, version),
               "-v", "1"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-6000:], result.stderr[-6000:], sep="\n", file=sys.stderr)
        sys.exit("ee-image: ansible-builder failed (exit %d); the build context is %s"
                 % (result.returncode, args.context))
    elapsed = time.monotonic() - started
    built = image_labels(args.tag, env)
    if not built or built["labels"].get(LABEL) != inputs:
        sys.exit("ee-image: ansible-builder returned 0 but %s does not carry the inputs label" % args.tag)
    size = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}", args.tag], capture_output=True,
                          text=True, env=env).stdout.strip()
    say("built %s in %.0f s (%d MB, %s %s)" % (args.tag, elapsed, int(size or 0) // 1000000, LABEL, inputs[:12]))
    if have and have["id"] != built["id"]:
        remove_if_unused(have["id"], env)


if __name__ == "__main__":
    main()
