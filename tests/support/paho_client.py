"""A paho-mqtt (1.6) wrapper for tests: every wait is an event with a timeout, never a sleep.

    sub = PahoClient(b, "sub")                 # connects (3.1.1 by default) and awaits CONNACK
    sub.subscribe("a/#", qos=1)                # awaits SUBACK, returns the granted QoS list
    pub = PahoClient(b, "pub")
    pub.publish("a/b", b"x", qos=1)            # awaits PUBACK (QoS 2: PUBCOMP)
    m = sub.wait_message()                     # paho MQTTMessage (topic, payload, qos, retain, dup)
    before = barrier(pub, sub, "a/sentinel")   # messages that arrived before the sentinel
    sub.disconnect(); pub.disconnect()

`protocol` is the protocol level: 3 (3.1), 4 (3.1.1) or 5 (5.0). paho's automatic retries and
protocol downgrades are off, so what the broker answers is what the test sees. Each client runs
paho's network thread; callbacks only fill queues and events, which the test thread reads.
"""
import queue
import socket
import threading

import paho.mqtt.client as mqtt

DEFAULT_TIMEOUT = 3.0

PROTOCOLS = {3: mqtt.MQTTv31, 4: mqtt.MQTTv311, 5: mqtt.MQTTv5}


class Timeout(AssertionError):
    """An awaited event did not happen in time."""


class PahoClient:
    """One paho client connected to broker fixture `b` (anything with .host and .port)."""

    def __init__(self, b, client_id="", protocol=4, clean_session=True, keepalive=60, will=None,
                 username=None, password=None, properties=None, connect=True,
                 timeout=DEFAULT_TIMEOUT, expect_rc=0, tls=None, websocket_path=None):
        """will: None or dict(topic=..., payload=b"", qos=0, retain=False, properties=None).
        For 5.0, clean_session is used as Clean Start and `properties` are the CONNECT properties.
        connect=False builds the client without connecting (call .connect() later).
        expect_rc: the CONNACK code to assert (None: don't assert).
        tls: an ssl.SSLContext to connect with.
        websocket_path: connect over WebSocket (paho's "websockets" transport) to this path."""
        self.b = b
        self.protocol = protocol
        self.client_id = client_id
        self.clean_session = clean_session
        self.keepalive = keepalive
        self.connect_properties = properties
        self.timeout = timeout
        self.messages = queue.Queue()
        self.connack = None            # (rc, session_present, properties); rc is an int
        self.disconnect_rc = None      # rc passed to on_disconnect (5.0: a ReasonCodes value)
        self.disconnect_properties = None
        self._connected = threading.Event()
        self._disconnected = threading.Event()
        self._acks = {}                # mid -> result, for SUBACK / UNSUBACK
        self._ack_cv = threading.Condition()

        kwargs = dict(client_id=client_id, protocol=PROTOCOLS[protocol], reconnect_on_failure=False)
        if protocol != 5:
            kwargs["clean_session"] = clean_session
        if websocket_path is not None:
            kwargs["transport"] = "websockets"
        self.client = mqtt.Client(**kwargs)
        if websocket_path is not None:
            self.client.ws_set_options(path=websocket_path)
        if tls is not None:
            self.client.tls_set_context(tls)
        if username is not None:
            self.client.username_pw_set(username, password)
        if will is not None:
            self.client.will_set(will["topic"], will.get("payload", b""), will.get("qos", 0),
                                 will.get("retain", False), properties=will.get("properties"))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe
        if connect:
            self.connect(expect_rc=expect_rc)

    # -- callbacks (paho's network thread)

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = (int(rc.value) if hasattr(rc, "value") else int(rc),
                        bool(flags.get("session present")), properties)
        self._connected.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnect_rc = rc
        self.disconnect_properties = properties
        self._disconnected.set()

    def _on_message(self, client, userdata, msg):
        self.messages.put(msg)

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        with self._ack_cv:
            self._acks[mid] = [int(g.value) if hasattr(g, "value") else int(g) for g in granted]
            self._ack_cv.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, properties=None, reasons=None):
        with self._ack_cv:
            if reasons is None:
                result = []
            elif isinstance(reasons, list):
                result = [int(r.value) for r in reasons]
            else:
                result = [int(reasons.value)]
            self._acks[mid] = result
            self._ack_cv.notify_all()

    def _wait_ack(self, mid, what):
        with self._ack_cv:
            if not self._ack_cv.wait_for(lambda: mid in self._acks, self.timeout):
                raise Timeout(f"{self.client_id}: no {what} for mid {mid}")
            return self._acks.pop(mid)

    # -- connection

    def connect(self, expect_rc=0):
        """Connects and awaits CONNACK. Returns (rc, session_present). Asserts rc == expect_rc
        unless expect_rc is None."""
        self._connected.clear()
        self._disconnected.clear()
        kwargs = {}
        if self.protocol == 5:
            kwargs = dict(clean_start=self.clean_session, properties=self.connect_properties)
        self.client.connect(self.b.host, self.b.port, self.keepalive, **kwargs)
        self.client.loop_start()
        if not self._connected.wait(self.timeout):
            raise Timeout(f"{self.client_id}: no CONNACK")
        rc, present, _ = self.connack
        if expect_rc is not None:
            assert rc == expect_rc, f"{self.client_id}: CONNACK rc {rc}, expected {expect_rc}"
        return rc, present

    @property
    def session_present(self):
        return self.connack[1]

    def disconnect(self, properties=None, reasoncode=None):
        """Normal DISCONNECT, then stops the network thread."""
        kwargs = {}
        if self.protocol == 5:
            kwargs = dict(reasoncode=reasoncode, properties=properties)
        self.client.disconnect(**kwargs)
        self._disconnected.wait(self.timeout)
        self.client.loop_stop()

    def close_abruptly(self):
        """Closes the TCP connection without DISCONNECT (the broker sees a network failure)."""
        sock = self.client.socket()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._disconnected.wait(self.timeout)
        self.client.loop_stop()

    def wait_disconnect(self, timeout=None):
        """Awaits the connection's end (e.g. closed by the broker); returns on_disconnect's rc."""
        if not self._disconnected.wait(self.timeout if timeout is None else timeout):
            raise Timeout(f"{self.client_id}: still connected")
        self.client.loop_stop()
        return self.disconnect_rc

    @property
    def is_disconnected(self):
        return self._disconnected.is_set()

    # -- operations that await their acknowledgement

    def subscribe(self, topic, qos=0, options=None, properties=None):
        """topic: a filter (with qos or 5.0 `options`) or a list of (filter, qos/options).
        Awaits SUBACK; returns its return/reason codes as ints."""
        kwargs = {}
        if self.protocol == 5:
            kwargs["properties"] = properties
            if options is not None:
                kwargs["options"] = options
                qos = 0
        rc, mid = self.client.subscribe(topic, qos, **kwargs)
        assert rc == mqtt.MQTT_ERR_SUCCESS, f"subscribe failed locally: {mqtt.error_string(rc)}"
        return self._wait_ack(mid, "SUBACK")

    def unsubscribe(self, topic, properties=None):
        """Awaits UNSUBACK; returns its 5.0 reason codes (empty for 3.x)."""
        kwargs = {"properties": properties} if self.protocol == 5 else {}
        rc, mid = self.client.unsubscribe(topic, **kwargs)
        assert rc == mqtt.MQTT_ERR_SUCCESS, f"unsubscribe failed locally: {mqtt.error_string(rc)}"
        return self._wait_ack(mid, "UNSUBACK")

    def publish(self, topic, payload=b"", qos=0, retain=False, properties=None, wait=True):
        """Publishes; with wait=True awaits completion (QoS 0: written; 1: PUBACK; 2: PUBCOMP)."""
        kwargs = {"properties": properties} if self.protocol == 5 else {}
        info = self.client.publish(topic, payload, qos, retain, **kwargs)
        if wait:
            info.wait_for_publish(self.timeout)
            if not info.is_published():
                raise Timeout(f"{self.client_id}: publish to {topic!r} (QoS {qos}) not completed")
        return info

    # -- receiving

    def wait_message(self, timeout=None):
        """The next message (paho MQTTMessage); raises Timeout if none arrives."""
        try:
            return self.messages.get(timeout=self.timeout if timeout is None else timeout)
        except queue.Empty:
            raise Timeout(f"{self.client_id}: no message") from None

    def wait_messages(self, n, timeout=None):
        return [self.wait_message(timeout) for _ in range(n)]

    def wait_for_topic(self, topic, timeout=None):
        """Reads messages until one on `topic`; returns (that message, the messages before it)."""
        before = []
        while True:
            m = self.wait_message(timeout)
            if m.topic == topic:
                return m, before
            before.append(m)

    def drain(self):
        """Messages already received and not yet read (does not wait)."""
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out


def barrier(publisher, subscriber, sentinel_topic, qos=0):
    """Publishes a sentinel on `sentinel_topic` from `publisher` and waits for it at `subscriber`
    (which must be subscribed to it). Returns the messages `subscriber` got before the sentinel: by
    the ordering guarantee, anything the publisher sent earlier and that was going to arrive did.
    A QoS 2 delivery reaches paho's on_message only at PUBREL, after later QoS 0/1 ones: where a
    barrier must catch a message, subscribe at QoS 0 or 1 (or use a raw subscriber).
    Either side may be a PahoClient or a mqtt_raw.RawClient (then packets, not messages, are
    returned; a raw subscriber must not need to ack them, i.e. QoS 0 subscriptions)."""
    if isinstance(publisher, PahoClient):
        publisher.publish(sentinel_topic, b"sentinel", qos=qos)
    else:
        from .mqtt_raw import publish as raw_publish
        publisher.send(raw_publish(sentinel_topic, b"sentinel", 0, version=publisher.version))
    if isinstance(subscriber, PahoClient):
        _, before = subscriber.wait_for_topic(sentinel_topic)
    else:
        from .mqtt_raw import PUBLISH
        _, before = subscriber.recv_until(lambda p: p.type == PUBLISH and p.topic == sentinel_topic)
    return before
