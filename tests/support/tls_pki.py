"""Throw-away certificates for TLS tests, made with the openssl command line (P-256 keys: quick).

    pki = Pki(tmp_path)
    ca = pki.ca("test CA")
    server = pki.cert(ca, "server", cn="localhost", san="IP:127.0.0.1,DNS:localhost")
    device = pki.cert(ca, "device", cn="device-1")
    server.cert, server.key      # paths
    client_context(ca, device)   # an ssl.SSLContext trusting `ca` and presenting `device`
"""
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Cert:
    cert: Path
    key: Path


class Pki:
    def __init__(self, directory):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def _run(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    def ca(self, name):
        c = Cert(self.dir / f"{name.replace(' ', '-')}.pem", self.dir / f"{name.replace(' ', '-')}.key")
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                  "-keyout", str(c.key), "-out", str(c.cert), "-days", "2", "-subj", f"/CN={name}",
                  "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
        return c

    def cert(self, ca, name, cn=None, san=None):
        """A certificate signed by `ca`; cn=None leaves the subject without a common name."""
        c = Cert(self.dir / f"{name}.pem", self.dir / f"{name}.key")
        csr = self.dir / f"{name}.csr"
        subject = f"/CN={cn}" if cn else "/O=pregon tests"
        args = ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", str(c.key), "-out", str(csr), "-subj", subject]
        if san:
            args += ["-addext", f"subjectAltName={san}"]
        self._run(*args)
        self._run("x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key),
                  "-CAcreateserial", "-out", str(c.cert), "-days", "2", "-copy_extensions", "copyall")
        return c


def client_context(ca, cert=None, minimum=None, maximum=None):
    """A client context that verifies the server against `ca` (host name checks included)."""
    ctx = ssl.create_default_context(cafile=str(ca.cert))
    if cert is not None:
        ctx.load_cert_chain(str(cert.cert), str(cert.key))
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx
