"""The execution environment's two definitions: execution-environment.yml (what users build, on a public RPM base)
and tools/ee/execution-environment.debian.yml (what make ee-image builds here, on a local Debian base). They
must install the same thing: ansible-core, ansible-runner, the Python requirements and the collection."""
import os
import re

import pytest
import yaml

from helpers import REPO

pytestmark = pytest.mark.unit

MAIN = os.path.join(REPO, "execution-environment.yml")
DEBIAN = os.path.join(REPO, "tools", "ee", "execution-environment.debian.yml")


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def pins(path):
    with open(path) as handle:
        return {line.split("==")[0].strip().lower(): line.strip() for line in handle
                if "==" in line and not line.lstrip().startswith(("#", "-r"))}


def installs(definition):
    deps = definition["dependencies"]
    return {
        "ansible_core": deps["ansible_core"]["package_pip"],
        "ansible_runner": deps["ansible_runner"]["package_pip"],
        "python": sorted(deps["python"]),
        "collections": deps["galaxy"]["collections"],
    }


def collection_tarball():
    galaxy = load(os.path.join(REPO, "galaxy.yml"))
    return "%s-%s-%s.tar.gz" % (galaxy["namespace"], galaxy["name"], galaxy["version"])


def test_both_definitions_install_the_same_ansible_requirements_and_collection():
    main, debian = load(MAIN), load(DEBIAN)
    assert main["version"] == debian["version"] == 3
    assert installs(debian) == installs(main)


def test_the_python_pins_are_requirements_txt():
    required = pins(os.path.join(REPO, "requirements.txt"))
    for definition in (load(MAIN), load(DEBIAN)):
        deps = definition["dependencies"]
        assert sorted(deps["python"] + [deps["ansible_core"]["package_pip"]]) == sorted(required.values())


def test_ansible_runner_in_the_ee_is_the_one_the_host_runs_jobs_with():
    """The host's ansible-runner (requirements-dev.txt) drives jobs into the EE; AWX pairs the same way."""
    host = pins(os.path.join(REPO, "requirements-dev.txt"))["ansible-runner"]
    assert load(MAIN)["dependencies"]["ansible_runner"]["package_pip"] == host
    assert load(DEBIAN)["dependencies"]["ansible_runner"]["package_pip"] == host


@pytest.mark.parametrize("path", [MAIN, DEBIAN], ids=["execution-environment.yml", "debian"])
def test_the_collection_installed_is_the_tarball_make_build_writes(path):
    definition = load(path)
    tarball = collection_tarball()
    assert definition["dependencies"]["galaxy"]["collections"] == [{"name": "/build/" + tarball, "type": "file"}]
    [build_file] = definition["additional_build_files"]
    # relative to the definition file, as ansible-builder resolves it
    src = os.path.normpath(os.path.join(os.path.dirname(path), build_file["src"]))
    assert src == os.path.join(REPO, "build", tarball)
    assert definition["additional_build_steps"]["prepend_galaxy"] == [
        "COPY _build/%s /build/%s" % (tarball, tarball)]


def test_the_public_default_stays_a_public_base_and_the_debian_variant_is_adapted_to_apt():
    assert load(MAIN)["images"]["base_image"]["name"] == "quay.io/centos/centos:stream9"
    debian = load(DEBIAN)
    assert debian["images"]["base_image"]["name"] == "k2-ee-base:bookworm"
    assert debian["options"] == {"package_manager_path": "/usr/bin/apt-get", "skip_pip_install": True}
    # python3 and python3-pip come from the base image, not from bindep (the base has no apt lists)
    assert "system" not in debian["dependencies"]
    assert "package_system" not in debian["dependencies"]["python_interpreter"]
    with open(os.path.join(REPO, "tools", "ee", "Dockerfile.base")) as handle:
        dockerfile = handle.read()
    assert re.search(r"\bpython3-pip\b", dockerfile) and re.search(r"\bpython3\b", dockerfile)


def test_make_ee_image_builds_the_debian_variant_on_the_local_base_by_default():
    with open(os.path.join(REPO, "mk", "ee.mk")) as handle:
        makefile = handle.read()
    assert "K2_EE_DEFINITION ?= tools/ee/execution-environment.debian.yml" in makefile
    assert "K2_EE_BASE_IMAGE ?= %s" % load(DEBIAN)["images"]["base_image"]["name"] in makefile
