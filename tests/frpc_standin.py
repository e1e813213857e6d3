"""A stand-in for Gradio's tunnel program (`frpc`), which cannot be downloaded here.

Gradio starts `frpc http -n TOKEN -l PORT -i HOST ... --server_addr ADDR` and reads its
stdout until "start proxy success: URL". This one relays a new port on 127.0.0.1 to
HOST:PORT byte for byte (what the real tunnel does from a public host) and prints that
line, so `serve --share` is tried end to end on this machine. Its arguments are written
to the file $FRPC_STANDIN_ARGS (as JSON) for the test to read.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading


def relay(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main(argv: list[str]) -> None:
    options = dict(zip(argv, argv[1:]))  # each flag to the word after it
    local = (options["-i"], int(options["-l"]))
    with open(os.environ["FRPC_STANDIN_ARGS"], "w", encoding="utf-8") as out:
        json.dump(argv, out)
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"start proxy success: http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    listener.settimeout(1.0)
    parent = os.getppid()
    while os.getppid() == parent:  # ends with the server, even one killed with -9
        try:
            client, _ = listener.accept()
        except TimeoutError:
            continue
        app = socket.create_connection(local)
        for source, target in ((client, app), (app, client)):
            threading.Thread(target=relay, args=(source, target), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1:])
