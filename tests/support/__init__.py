"""Shared helpers for the integration and conformance tests.

- mqtt_raw: a minimal raw-socket MQTT client (packet builders, a packet reader) for the cases paho
  hides or refuses to produce (malformed packets, explicit acks, DUP flags, wrong flags).
- paho_client: a paho wrapper whose waits are events with timeouts, never sleeps.
- broker_check: assert_broker_alive(b), to run after a test that provokes a close.
- mode: which broker the fixtures start (pregon, or mosquitto as a reference).
"""
