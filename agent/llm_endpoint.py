"""The chat endpoint: any OpenAI-compatible chat-completions API (OpenAI, Zhipu GLM, a local
server such as vLLM or Ollama), configured from the environment and asked through the
`openai` client. agent.llm.LLMRewriter decides what to ask and checks the answers."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Mapping

from errors import InputError

ZHIPU_BASE_URL = "https://open.bigmodel.cn/api/paas/v4/"
ZHIPU_MODEL = "glm-4-flash"
OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 20.0


def timeout_from_env(environ: Mapping[str, str]) -> float:
    """CLIPWRIGHT_LLM_TIMEOUT: seconds for a whole answer (default 20)."""
    timeout_text = (environ.get("CLIPWRIGHT_LLM_TIMEOUT") or "").strip() or str(DEFAULT_TIMEOUT)
    try:
        timeout = float(timeout_text)
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 600:
        raise InputError(f"CLIPWRIGHT_LLM_TIMEOUT must be seconds between 0 and 600; "
                         f"got '{timeout_text}'")
    return timeout


@dataclass(frozen=True)
class LLMConfig:
    """Where the chat model is and how long to wait for it."""

    base_url: str | None  # None: OpenAI's own endpoint
    api_key: str
    model: str
    timeout: float = DEFAULT_TIMEOUT
    provider: str = "custom"  # "custom", "zhipu" or "openai"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "LLMConfig | None":
        """CLIPWRIGHT_LLM_BASE_URL (+ _API_KEY, _MODEL) for any endpoint; else
        ZHIPUAI_API_KEY → Zhipu GLM; else OPENAI_API_KEY → OpenAI; else None."""
        get = lambda name: (environ.get(name) or "").strip()  # noqa: E731
        timeout = timeout_from_env(environ)
        base_url, key, model = (get("CLIPWRIGHT_LLM_BASE_URL"), get("CLIPWRIGHT_LLM_API_KEY"),
                                get("CLIPWRIGHT_LLM_MODEL"))
        if base_url:
            if not re.match(r"https?://", base_url):
                raise InputError(f"CLIPWRIGHT_LLM_BASE_URL must start with http:// or "
                                 f"https://; got '{base_url}'")
            if not model:
                raise InputError("CLIPWRIGHT_LLM_BASE_URL is set; set CLIPWRIGHT_LLM_MODEL "
                                 "to the model name the endpoint serves")
            # Local servers often need no key; the client insists on one.
            return cls(base_url, key or "not-needed", model, timeout, "custom")
        if get("ZHIPUAI_API_KEY"):
            return cls(ZHIPU_BASE_URL, key or get("ZHIPUAI_API_KEY"), model or ZHIPU_MODEL,
                       timeout, "zhipu")
        if get("OPENAI_API_KEY"):
            return cls(None, key or get("OPENAI_API_KEY"), model or OPENAI_MODEL, timeout,
                       "openai")
        return None

    @classmethod
    def for_platform(cls, key: str, base_url: str | None,
                     environ: Mapping[str, str]) -> "LLMConfig":
        """Zhipu's GLM chat model on the open platform whose video API the key renders with
        (`base_url`: that platform's root, `…/api/paas/v4`; default Zhipu's own)."""
        model = (environ.get("CLIPWRIGHT_LLM_MODEL") or "").strip() or ZHIPU_MODEL
        url = f"{base_url.rstrip('/')}/" if base_url else ZHIPU_BASE_URL
        return cls(url, key, model, timeout_from_env(environ), "zhipu")

    @property
    def where(self) -> str:
        """The endpoint's host, for messages (never the key)."""
        host = re.sub(r"^https?://", "", self.base_url or "api.openai.com").split("/")[0]
        return f"{self.model} at {host}"


class EndpointChat:
    """An OpenAI-compatible chat-completions endpoint, through the `openai` client."""

    def __init__(self, config: LLMConfig):
        self.config = config
        self.name, self.where = config.model, config.where
        self._client = None
        self._lock = threading.Lock()

    def complete(self, messages: list[dict]) -> str:
        """The endpoint's answer; the client's errors (timeouts, HTTP statuses) propagate."""
        client = self._get_client()
        response = client.chat.completions.create(model=self.config.model, messages=messages,
                                                  temperature=0.7, max_tokens=900)
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list) or not choices:
            return ""
        content = getattr(getattr(choices[0], "message", None), "content", None)
        return content if isinstance(content, str) else ""  # a server may send anything

    def _get_client(self):
        with self._lock:
            if self._client is None:
                from openai import OpenAI  # imported on first use: it is slow to import

                self._client = OpenAI(api_key=self.config.api_key,
                                      base_url=self.config.base_url or None,
                                      timeout=self.config.timeout, max_retries=0)
            return self._client
