"""assert_broker_alive(b): after a test that provoked a close, prove a fresh client is still served."""
import uuid

from . import mqtt_raw as raw


def assert_broker_alive(b, version=4):
    """Connects a new raw client, round-trips a QoS 1 PUBLISH through its own subscription and a
    PINGREQ, then disconnects. Fails if the broker stopped serving (crashed, hung or refused)."""
    proc = getattr(b, "proc", None)
    if proc is not None:
        assert proc.poll() is None, f"broker exited with {proc.returncode}"
    cid = "alive-" + uuid.uuid4().hex[:12]
    topic = f"alive/{cid}"
    c, _ = raw.RawClient.connected(b, cid, version=version)
    with c:
        assert c.subscribe(1, [(topic, 1)]) == [1]
        c.send(raw.publish(topic, b"ok", qos=1, packet_id=2, version=version))
        got = {}
        for _ in range(2):  # PUBACK and the delivered PUBLISH may come in either order
            p = c.recv()
            got[p.type] = p
        assert raw.PUBACK in got and got[raw.PUBACK].packet_id == 2, got
        m = got.get(raw.PUBLISH)
        assert m is not None and m.topic == topic and m.payload == b"ok", got
        c.send(raw.puback(m.packet_id, version=version))
        c.ping()
        c.disconnect()
