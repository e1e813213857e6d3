"""A chat-completions endpoint on 127.0.0.1 that answers from a script (the LLM rewriter's
stand-in) and a good answer for it; tests/conftest.py serves it as the `server` fixture."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = {
    "intent": "new_idea", "subject": "a cat", "action": "sleeping on a sofa",
    "camera": "A close-up at eye level with a slow push in toward a cat sleeping on a sofa, "
              "shot on an 85mm lens with a shallow depth of field.",
    "scene": "The scene is set in a cozy living room in the late afternoon, soft window light "
             "falling across the cushions, with a calm, homely mood.",
    "details": "Its soft fur rises and falls with each breath, its whiskers twitch faintly, "
               "and its paws curl slowly as it dreams.",
    "prompt": "…", "title": "Sleeping cat", "mood": "calm", "reply": "I kept it cosy.",
}


class ChatServer:
    """A chat-completions endpoint that answers from a script, one item per request:
    a dict (sent as JSON text), a str (sent as is), ("sleep", s) or ("status", code)."""

    def __init__(self):
        self.script: list = []
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                item = server.script.pop(0) if server.script else ("status", 500)
                if isinstance(item, tuple) and item[0] == "sleep":
                    time.sleep(item[1])
                    item = GOOD
                if isinstance(item, tuple) and item[0] == "status":
                    self._send(item[1], {"error": {"message": "scripted failure"}})
                    return
                content = item if isinstance(item, str) else json.dumps(item)
                self._send(200, {
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
