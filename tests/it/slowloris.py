"""Holds many slow connections open to a port, for tests only: each sends one byte a second,
and is opened again as soon as the other side drops it.

usage: slowloris.py PORT CONNECTIONS SECONDS

Prints how many times connections were reopened.
"""
import selectors
import socket
import sys
import time

port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
selector = selectors.DefaultSelector()
reopened = 0


def connect():
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except (BlockingIOError, InterruptedError):
        pass
    except OSError:
        pass
    selector.register(s, selectors.EVENT_READ)
    return s


sockets = {connect() for _ in range(count)}
end = time.time() + seconds
next_byte = time.time()
while time.time() < end:
    for key, _ in selector.select(timeout=0.05):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:
            selector.unregister(s)
            s.close()
            sockets.discard(s)
            sockets.add(connect())
            reopened += 1
    if time.time() >= next_byte:
        next_byte += 1
        for s in list(sockets):
            try:
                s.send(b"G")
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                selector.unregister(s)
                s.close()
                sockets.discard(s)
                sockets.add(connect())
                reopened += 1
print(reopened, flush=True)
