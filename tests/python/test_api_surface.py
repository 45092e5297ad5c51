"""The Python bindings expose every item of tests/api.txt (shared with Kotlin and Swift)."""

import os

import coachline
from conftest import ROOT


def items():
    with open(os.path.join(ROOT, "tests", "api.txt")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                kind, name = line.split(maxsplit=1)
                yield kind, name


def exposed(kind, name):
    if kind in ("object", "record", "enum", "error", "function", "callback"):
        return hasattr(coachline, name)
    if kind in ("constructor", "method"):
        return hasattr(coachline.CoachlineStore, name)
    if kind == "member":
        cls, method = name.split(".")
        return hasattr(getattr(coachline, cls, None), method)
    if kind == "variant":
        return hasattr(coachline.CoachlineError, name)
    return False


def test_every_item_of_the_shared_api_list_is_exposed():
    listed = list(items())
    assert len(listed) > 80
    assert [item for item in listed if not exposed(*item)] == []
