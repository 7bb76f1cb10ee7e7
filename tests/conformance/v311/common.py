"""Shared bits of the 3.1 / 3.1.1 conformance tests."""
import uuid

import pytest

# Protocol levels: 3 is MQTT 3.1 ("MQIsdp"), 4 is MQTT 3.1.1.
BOTH_VERSIONS = pytest.mark.parametrize("version", [3, 4], ids=["v31", "v311"])


def cid(prefix="c"):
    """A client id unique to this run, at most 23 bytes (valid for 3.1 too)."""
    return (prefix[:10] + uuid.uuid4().hex)[:23]
