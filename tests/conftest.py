"""Shared test setup: make `ansible_collections.k2.kafka_ops` importable from the working tree."""
import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from helpers import COLLECTIONS  # noqa: E402  the one place that computes the repository's paths

LINK = os.path.join(COLLECTIONS, "ansible_collections", "k2", "kafka_ops")
if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink("../../..", LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
