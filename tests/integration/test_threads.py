"""Several event-loop threads (the tests' broker runs two): sessions live on the thread their client
identifier hashes to, so a subscriber and a publisher are often on different threads. Whatever the
threads, once a client holds its SUBACK, a message published after it reaches that subscription.
"""
import pytest

from support.paho_client import PahoClient


@pytest.mark.parametrize("filter_of", [
    pytest.param(lambda topic: topic, id="exact"),
    pytest.param(lambda topic: topic.rsplit("/", 1)[0] + "/+", id="wildcard"),
    pytest.param(lambda topic: "$share/g/" + topic, id="shared"),
])
def test_a_publish_right_after_another_clients_suback_reaches_it(broker, filter_of):
    publisher = PahoClient(broker, "after-suback-pub")
    for i in range(60):
        topic = f"after-suback/{i}/t"
        subscriber = PahoClient(broker, f"after-suback-sub-{i}")
        subscriber.subscribe(filter_of(topic), qos=1)
        publisher.publish(topic, b"%d" % i, qos=1)
        m = subscriber.wait_message()
        assert (m.topic, m.payload) == (topic, b"%d" % i)
        subscriber.disconnect()
    publisher.disconnect()
