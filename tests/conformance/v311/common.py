"""Shared bits of the 3.1 / 3.1.1 conformance tests."""
import uuid

import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient

# Protocol levels: 3 is MQTT 3.1 ("MQIsdp"), 4 is MQTT 3.1.1.
BOTH_VERSIONS = pytest.mark.parametrize("version", [3, 4], ids=["v31", "v311"])


def cid(prefix="c"):
    """A client id unique to this run, at most 23 bytes (valid for 3.1 too)."""
    return (prefix[:10] + uuid.uuid4().hex)[:23]


def assert_filter_refused(b, topic_filter):
    """Subscribes to an invalid filter: whatever form the refusal takes (SUBACK 0x80 or a close),
    it is never granted, and the broker goes on serving."""
    c, _ = RawClient.connected(b, cid())
    c.send(raw.subscribe(1, [(topic_filter, 1)]))
    try:
        ack = c.recv()
        assert ack.type == raw.SUBACK and ack.return_codes == [0x80], ack
    except raw.Closed:
        pass
    assert_broker_alive(b)
