"""The monitoring HTTP server seen from a test: requests, JSON answers and /metrics samples."""
import json
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def http(broker, path, method="GET", body=None, headers=None):
    """(status, headers, body bytes) of one request; HTTP errors are answers, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{broker.http_port}{path}", data=data, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(broker, path, **kwargs):
    status, _, body = http(broker, path, **kwargs)
    assert status == 200, (path, status, body)
    return json.loads(body)


def metrics(broker, **kwargs):
    """{(sample name, frozenset of labels): value} from GET /metrics."""
    status, headers, body = http(broker, "/metrics", **kwargs)
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def total(samples, name, **labels):
    """The sum of the series of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)
