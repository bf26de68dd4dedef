"""A TLS-terminating HTTPS proxy on loopback, for tests only.

Answers CONNECT host:port, then speaks TLS with a certificate for that host signed by a CA made
at start, and forwards each decrypted request over plain HTTP to the upstream (a fake endpoint
or moto), with the Host header as sent. Real AWS hosts are thus reached only in name: nothing
leaves the machine.

    python3 mitm.py CA_PEM_PATH UPSTREAM_URL LOG_PATH

Prints the port it listens on, then serves until stdin closes. LOG_PATH gets one JSON line per
CONNECT: {"connect": "host:port"}.
"""

import datetime
import http.client
import json
import socket
import ssl
import sys
import tempfile
import threading
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ca_path, upstream, log_path = sys.argv[1:4]
upstream = urllib.parse.urlparse(upstream)
log_lock = threading.Lock()
now = datetime.datetime.now(datetime.timezone.utc)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mfa-env test CA")])
ca_cert = (
    x509.CertificateBuilder()
    .subject_name(ca_name)
    .issuer_name(ca_name)
    .public_key(ca_key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + datetime.timedelta(days=2))
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .add_extension(
        x509.KeyUsage(False, False, False, False, False, True, True, False, False),
        critical=True,
    )
    .sign(ca_key, hashes.SHA256())
)
with open(ca_path, "wb") as f:
    f.write(ca_cert.public_bytes(serialization.Encoding.PEM))

contexts = {}


def context_for(host):
    """A server TLS context with a certificate for `host`, made once per host."""
    if host not in contexts:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
            f.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            pem = f.name
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pem)
        contexts[host] = context
    return contexts[host]


def read_head(stream):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = stream.recv(1)
        if not chunk:
            return None
        head += chunk
    return head.decode("latin-1")


def serve(client):
    try:
        head = read_head(client)
        if head is None:
            return
        method, target, _ = head.split("\r\n")[0].split(" ", 2)
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Only CONNECT\r\nContent-Length: 0\r\n\r\n")
            return
        host = target.rsplit(":", 1)[0]
        with log_lock, open(log_path, "a") as log:
            log.write(json.dumps({"connect": target}) + "\n")
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        tls = context_for(host).wrap_socket(client, server_side=True)
        reader = tls.makefile("rb")
        while True:
            line = reader.readline()
            if not line:
                return
            method, path, _ = line.decode("latin-1").split(" ", 2)
            headers = []
            length = 0
            while True:
                header = reader.readline().decode("latin-1")
                if header in ("\r\n", "\n", ""):
                    break
                name, value = header.split(":", 1)
                headers.append((name.strip(), value.strip()))
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = reader.read(length) if length else b""
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(body)
            answer = conn.getresponse()
            data = answer.read()
            out = f"HTTP/1.1 {answer.status} {answer.reason}\r\n"
            for name, value in answer.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    out += f"{name}: {value}\r\n"
            out += f"Content-Length: {len(data)}\r\n\r\n"
            tls.sendall(out.encode("latin-1") + data)
            conn.close()
    except (OSError, ValueError, ssl.SSLError):
        pass
    finally:
        client.close()


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)


def accept():
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


threading.Thread(target=accept, daemon=True).start()
sys.stdin.read()
