"""The Zhipu platform API key that lets a machine without a GPU render real footage (the
cloud engine), set by the operator on the page's Settings tab (issue #19) or in the
environment.

The environment's ZHIPUAI_API_KEY wins: an operator who set it there changes it there. A key
given on the page is kept in the data folder's secrets/ (0600, like the session-cookie key;
never sent back to any page, never logged) and used again at every start. Who may set it is
the door's question (ui/operator.py); this module only keeps it and hands it to the engines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from errors import InputError
from store.layout import DataLayout
from studio.i18n import Strings
from video.engines.pool import EnginePool

ENV_VAR = "ZHIPUAI_API_KEY"
SECRET_NAME = "zhipuai-api-key"
# Zhipu's keys read "<32 hex>.<16 letters>"; other OpenAI-style platforms' keys are similar
# runs of letters, digits and a few marks. Anything with spaces or other characters is a
# paste gone wrong (a sentence, two keys, a quote), said so before it is kept.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9._\-]{16,256}")

FROM_ENVIRONMENT, FROM_DATA_FOLDER = "environment", "data folder"


@dataclass(frozen=True)
class KeyState:
    """What the Settings tab shows about the key (never the key itself)."""

    source: str | None  # FROM_ENVIRONMENT, FROM_DATA_FOLDER, or None: no key
    ending: str = ""  # the key's last four characters, so the operator can tell keys apart
    on_cluster: bool = False  # renders run on a Ray cluster: its hosts' environment decides

    @property
    def editable(self) -> bool:
        """True when the page may set or remove the key."""
        return self.source != FROM_ENVIRONMENT and not self.on_cluster


def kept_key(data_dir: Path, env: Mapping[str, str]) -> str | None:
    """The key a process starts with: the environment's, else the one the operator kept in
    the data folder `data_dir` (read only; a folder not made yet has none)."""
    from_env = (env.get(ENV_VAR) or "").strip()
    if from_env:
        return from_env
    try:
        return DataLayout(data_dir).stored_secret(SECRET_NAME)
    except OSError:  # an unreadable folder: the serving door says so when it opens it
        return None


class PlatformKey:
    """The platform key of one server: kept in `layout`, applied to `engines`."""

    def __init__(self, layout: DataLayout, engines: EnginePool, strings: Strings,
                 env: Mapping[str, str], on_cluster: bool = False,
                 on_change: Callable[[str | None], None] | None = None):
        """on_change(key): told the key in use whenever the page sets or removes it (the
        rewriter then follows: the platform's chat model writes the prompts)."""
        self.layout, self.engines, self.strings = layout, engines, strings
        self.from_env = (env.get(ENV_VAR) or "").strip() or None
        self.on_cluster = on_cluster
        self.on_change = on_change or (lambda key: None)

    def load(self) -> None:
        """At start: use the key the data folder keeps, unless the environment gives one."""
        if self.from_env is None:
            stored = self.layout.stored_secret(SECRET_NAME)
            if stored is not None:
                self.engines.use_cloud_key(stored)
                self.on_change(stored)

    def state(self) -> KeyState:
        """Where the key in use comes from, and how it ends."""
        key = self.engines.settings.cloud_api_key
        if not key:
            return KeyState(source=None, on_cluster=self.on_cluster)
        source = FROM_ENVIRONMENT if key == self.from_env else FROM_DATA_FOLDER
        return KeyState(source=source, ending=key[-4:], on_cluster=self.on_cluster)

    def save(self, text: str, language: str) -> KeyState:
        """Keep `text` as the key and render with it from now on. InputError (in
        `language`), with nothing kept, for a key that cannot be one or when the key is not
        the page's to set."""
        self._check_editable(language)
        key = (text or "").strip()
        if not key:
            raise InputError(self.strings.text(language, "key_empty"))
        if not _KEY_SHAPE.fullmatch(key):
            raise InputError(self.strings.text(language, "key_malformed"))
        self.layout.keep_secret(SECRET_NAME, key)
        self.engines.use_cloud_key(key)
        self.on_change(key)
        return self.state()

    def remove(self, language: str) -> KeyState:
        """Forget the kept key: text-to-video needs a GPU again."""
        self._check_editable(language)
        self.layout.forget_secret(SECRET_NAME)
        self.engines.use_cloud_key(None)
        self.on_change(None)
        return self.state()

    def _check_editable(self, language: str) -> None:
        if self.on_cluster:
            raise InputError(self.strings.text(language, "key_on_cluster"))
        if self.from_env is not None:
            raise InputError(self.strings.text(language, "key_from_env"))
