#!/usr/bin/env python3
"""Build the compose stack's local images (docker/<name>/Dockerfile), each only when its inputs changed.

    images.py [--force] [NAME...]    build or reuse the images (default: all), print "reused"/"built" with times
    images.py --env                  print K2_*_IMAGE=<tag> for each image (what compose's variables take)

An image's inputs are its Dockerfile and context files (contents and exec bits), its build arguments and its
parent image's id; their hash is the label org.k2.inputs. An image whose label matches is reused. The tag is the
version of what it runs (Kafka 4.1.1, Apicurio 3.0.9, Debian's package versions), stable across rebuilds, so
compose's variables need no hash. Jars come from Maven Central through the dev stack's resolver
(tools/devstack/devstack.py: kafka_classpath, apicurio_runner, jmx_agent) and are copied into the context.
Environment: K2_BASE_IMAGE (default k2-base:bookworm), K2_IMAGES_DIR (contexts and logs, default build/docker).
Standard library only.
"""
import functools
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "devstack"))
import devstack  # noqa: E402 - the dev stack's Maven resolver, shared rather than copied

print = functools.partial(print, flush=True)  # noqa: A001 - progress lines while docker builds
BASE = os.environ.get("K2_BASE_IMAGE", "k2-base:bookworm")
WORK = os.path.abspath(os.environ.get("K2_IMAGES_DIR") or os.path.join(REPO, "build", "docker"))
LABEL = "org.k2.inputs"
KAFKA_VERSION = "4.1.1"  # tools/devstack/pom.xml's kafka.version; checked against the resolved jars below
APICURIO_VERSION = devstack.APICURIO[2]
JMX_VERSION = devstack.JMX_AGENT[2]


def kafka_libs():
    classpath, _ = devstack.kafka_classpath()
    jars = classpath.split(os.pathsep)
    if not any(os.path.basename(j) == "kafka_2.13-%s.jar" % KAFKA_VERSION for j in jars):
        raise SystemExit("images: the dev stack's Kafka classpath has no kafka_2.13-%s.jar; update KAFKA_VERSION in %s"
                         % (KAFKA_VERSION, __file__))
    return [("libs/" + os.path.basename(j), j) for j in jars]


def apicurio_files():
    runner, _ = devstack.apicurio_runner()
    home = os.path.dirname(runner)
    files = [("apicurio/apicurio-registry-app-runner.jar", runner)]
    for path in sorted(glob.glob(os.path.join(home, "lib", "*"))):
        files.append(("apicurio/lib/" + os.path.basename(path), path))
    return files


def jmx(rules):
    files = [("jmx/jmx_prometheus_javaagent.jar", devstack.jmx_agent())]
    if rules:
        files.append(("jmx/" + rules, os.path.join(REPO, "monitoring", "jmx", rules)))
    return files


# name, tag, parent (None: the base), build args, extra context files [(path in context, source)] (a callable:
# resolved only for the images asked for)
IMAGES = [
    ("jre", "k2-jre:17", None, {}, lambda: []),
    ("kafka", "k2-kafka:" + KAFKA_VERSION, "jre", {"KAFKA_VERSION": KAFKA_VERSION},
     lambda: kafka_libs() + jmx("kafka.yml")),
    ("schema-registry", "k2-schema-registry:apicurio-" + APICURIO_VERSION, "jre",
     {"APICURIO_VERSION": APICURIO_VERSION}, lambda: apicurio_files() + jmx("schema-registry.yml")),
    ("prometheus", "k2-prometheus:2.42.0", None, {"PROMETHEUS_VERSION": "2.42.0"},
     lambda: [("prometheus.yml", os.path.join(REPO, "docker", "prometheus.yml")),
              ("alerts.yml", os.path.join(REPO, "monitoring", "prometheus", "alerts.yml"))]),
    ("node-exporter", "k2-node-exporter:1.5.0", None, {"NODE_EXPORTER_VERSION": "1.5.0"}, lambda: []),
    ("jmx-agent", "k2-jmx-agent:" + JMX_VERSION, None, {},
     lambda: [("jmx_prometheus_javaagent.jar", devstack.jmx_agent())]),
]
# compose's variable for each image the stack runs (jre is only a parent)
ENV = {"kafka": "K2_KAFKA_IMAGE", "schema-registry": "K2_SCHEMA_REGISTRY_IMAGE", "prometheus": "K2_PROMETHEUS_IMAGE",
       "node-exporter": "K2_NODE_EXPORTER_IMAGE", "jmx-agent": "K2_JMX_AGENT_IMAGE"}


def docker(*args, check=True):
    proc = subprocess.run(["docker"] + list(args), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise SystemExit("images: docker %s failed: %s" % (" ".join(args[:3]), proc.stderr.strip()))
    return proc


def image_id(tag):
    proc = docker("image", "inspect", "-f", "{{.Id}}", tag, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def image_label(tag):
    proc = docker("image", "inspect", "-f", '{{index .Config.Labels "%s"}}' % LABEL, tag, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def context_files(name, extra):
    """[(path in context, source path)]: docker/<name>/ and the extras, sorted by context path."""
    own = os.path.join(REPO, "docker", name)
    files = []
    for root, dirs, names in os.walk(own):
        dirs.sort()
        for fname in sorted(names):
            src = os.path.join(root, fname)
            files.append((os.path.relpath(src, own), src))
    files += extra
    paths = [p for p, _ in files]
    if len(set(paths)) != len(paths):
        raise SystemExit("images: %s: two context files share a path" % name)
    return sorted(files)


def inputs_hash(tag, args, parent_id, files):
    digest = hashlib.sha256()
    digest.update(("%s\n%s\n%s\n" % (tag, sorted(args.items()), parent_id)).encode())
    for path, src in files:
        digest.update(("%s %o\n" % (path, os.stat(src).st_mode & 0o111)).encode())
        with open(src, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def assemble(name, files):
    ctx = os.path.join(WORK, "context", name)
    shutil.rmtree(ctx, ignore_errors=True)
    for path, src in files:
        dest = os.path.join(ctx, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(src, dest)  # a copy: docker does not follow symlinks out of the context
    return ctx


def build(spec, parent_tag, force):
    name, tag, _, args, extra = spec
    started = time.time()
    parent_id = image_id(parent_tag)
    if not parent_id:
        raise SystemExit("images: %s needs %s, which is missing (make base-image builds the base)" % (tag, parent_tag))
    files = context_files(name, extra())
    inputs = inputs_hash(tag, args, parent_id, files)
    if not force and image_label(tag) == inputs:
        print("image %-40s reused  (inputs %s) in %.1f s" % (tag, inputs, time.time() - started))
        return
    old = image_id(tag)
    ctx = assemble(name, files)
    os.makedirs(os.path.join(WORK, "logs"), exist_ok=True)
    log = os.path.join(WORK, "logs", name + ".log")
    parent_arg = "BASE" if spec[2] is None else "JRE"
    argv = ["docker", "build", "--build-arg", "%s=%s" % (parent_arg, parent_tag), "--label", "%s=%s" % (LABEL, inputs),
            "-t", tag]
    for key, value in sorted(args.items()):
        argv += ["--build-arg", "%s=%s" % (key, value)]
    print("image %-40s building (inputs %s; log %s)" % (tag, inputs, os.path.relpath(log, REPO)))
    with open(log, "w") as handle:
        # the legacy builder (no buildx here); its deprecation notice stays in the log
        proc = subprocess.run(argv + [ctx], stdout=handle, stderr=subprocess.STDOUT,
                              env=dict(os.environ, DOCKER_BUILDKIT="0"))
    if proc.returncode != 0:
        with open(log) as handle:
            sys.stderr.write("".join(handle.readlines()[-40:]))
        raise SystemExit("images: building %s failed (exit %d); the log is %s" % (tag, proc.returncode, log))
    new = image_id(tag)
    if old and old != new:  # the previous build of this tag; kept if a container still uses it
        docker("image", "rm", old, check=False)
    shutil.rmtree(ctx, ignore_errors=True)
    size = int(docker("image", "inspect", "-f", "{{.Size}}", tag).stdout.strip() or 0)
    print("image %-40s built   in %.0f s (%d MB)" % (tag, time.time() - started, size / 1e6))


def main(argv):
    if argv[:1] == ["--env"]:
        for name, tag, _, _, _ in IMAGES:
            if name in ENV:
                print("%s=%s" % (ENV[name], tag))
        return 0
    force = "--force" in argv
    wanted = [a for a in argv if a != "--force"]
    names = [spec[0] for spec in IMAGES]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise SystemExit("images: unknown image %s; known: %s" % (", ".join(unknown), ", ".join(names)))
    started = time.time()
    tags = dict((spec[0], spec[1]) for spec in IMAGES)
    # a wanted image brings its parent (reused when unchanged)
    chosen = set(wanted or names)
    chosen |= set(spec[2] for spec in IMAGES if spec[0] in chosen and spec[2])
    for spec in IMAGES:
        if spec[0] in chosen:
            build(spec, tags[spec[2]] if spec[2] else BASE, force)
    print("images: done in %.0f s" % (time.time() - started))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except devstack.StackError as exc:
        sys.exit("images: %s" % exc)
