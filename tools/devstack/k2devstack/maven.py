"""Java, and what it runs fetched from Maven Central with `mvn` and cached: Kafka's runtime classpath
(tools/devstack/pom.xml), Apicurio Registry's runnable distribution and the Prometheus JMX exporter agent."""
import hashlib
import os
import re
import shutil
import subprocess
import tarfile

from .layout import TOOL_DIR, StackError, cache_dir, read_text

POM = os.path.join(TOOL_DIR, "pom.xml")
APICURIO = ("io.apicurio", "apicurio-registry-app", "3.0.9")
JMX_AGENT = ("io.prometheus.jmx", "jmx_prometheus_javaagent", "1.0.1")
JAVA_MIN = 17


def find_java():
    candidates = []
    for var in ("K2_JAVA",):
        if os.environ.get(var):
            candidates.append(os.environ[var])
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    if shutil.which("java"):
        candidates.append(shutil.which("java"))
    seen = []
    for java in candidates:
        try:
            out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r'version "(\d+)', out)
        major = int(match.group(1)) if match else 0
        seen.append("%s (%s)" % (java, major or "unknown version"))
        if major >= JAVA_MIN:
            return java
    raise StackError("the dev stack needs Java %d or newer (Kafka 4 and Apicurio 3.0 run on it); found: %s. "
                     "Install OpenJDK %d or set K2_JAVA/JAVA_HOME." % (JAVA_MIN, ", ".join(seen) or "none",
                                                                       JAVA_MIN))


def run_maven(args, what):
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError("Maven (mvn) is not on PATH; it fetches %s from Maven Central. Install maven." % what)
    proc = subprocess.run([mvn, "-B", "-q"] + args, capture_output=True, text=True, cwd=TOOL_DIR)
    if proc.returncode != 0:
        lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line][:6]
        raise StackError("could not download %s with Maven (exit %d):\n  %s" % (what, proc.returncode,
                                                                                "\n  ".join(lines)))


def kafka_classpath():
    with open(POM, "rb") as handle:
        key = hashlib.sha256(handle.read()).hexdigest()[:12]
    cp_file = os.path.join(cache_dir(), "kafka-%s.classpath" % key)
    classpath = read_text(cp_file)
    if classpath and all(os.path.exists(j) for j in classpath.split(os.pathsep)):
        return classpath, False
    os.makedirs(cache_dir(), exist_ok=True)
    run_maven(["-f", POM, "dependency:build-classpath", "-Dmdep.outputFile=" + cp_file],
              "Kafka's runtime classpath (org.apache.kafka:kafka_2.13, kafka-tools, log4j-slf4j-impl; "
              "see tools/devstack/pom.xml)")
    return read_text(cp_file), True


def apicurio_runner():
    group, artifact, version = APICURIO
    home = os.path.join(cache_dir(), "apicurio-%s" % version)
    runner = os.path.join(home, "%s-%s-runner.jar" % (artifact, version))
    if os.path.exists(runner):
        return runner, False
    download = os.path.join(cache_dir(), "download")
    coords = "%s:%s:%s:tar.gz:all" % (group, artifact, version)
    archive = os.path.join(download, "%s-%s-all.tar.gz" % (artifact, version))
    os.makedirs(download, exist_ok=True)
    # get (not copy): the distribution's parent POM is not on Maven Central, so only a
    # non-transitive get of the attached archive resolves.
    run_maven(["-f", POM, "org.apache.maven.plugins:maven-dependency-plugin:2.8:get", "-Dtransitive=false",
               "-Dartifact=" + coords, "-Ddest=" + archive], "Apicurio Registry (%s)" % coords)
    partial = home + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(partial, filter="data")
    os.replace(partial, home)
    os.remove(archive)
    return runner, True


def jmx_agent():
    group, artifact, version = JMX_AGENT
    jar = os.path.join(cache_dir(), "%s-%s.jar" % (artifact, version))
    if not os.path.exists(jar):
        os.makedirs(cache_dir(), exist_ok=True)
        run_maven(["-f", POM, "org.apache.maven.plugins:maven-dependency-plugin:2.8:get", "-Dtransitive=false",
                   "-Dartifact=%s:%s:%s" % JMX_AGENT, "-Ddest=" + jar + ".partial"],
                  "the Prometheus JMX exporter agent (%s:%s:%s)" % JMX_AGENT)
        os.replace(jar + ".partial", jar)
    return jar
