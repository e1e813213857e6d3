"""One model load at a time in a process.

Why: loading a model through transformers or diffusers changes state the whole process
shares. transformers imports its model classes lazily, through module objects every thread
reads, and accelerate's `init_empty_weights` (which `from_pretrained` uses) patches
`torch.nn.Module` for every thread while it builds a model's skeleton, so a network built
on another thread meanwhile gets its weights on the meta device. Two loads on two threads at
once broke each other here: the music selector's model loading while the tiny engine
loaded its pipeline failed 1 run in 3 with "cannot import name 'T5EncoderModel' from
'transformers'", and command-line renders came out with the engine's modules on the meta
device (issue #21). A server meets the same case when its first visitor's page warms the
music selector while a job loads its engine.

So every load that imports or builds a torch model (the engines' pipelines and LoRAs, the
music selector's sentence model, the in-process LLM, the learned post-production networks)
runs inside `loading_model()`; running a loaded model needs nothing. The lock is process
state by nature — the state it guards is process-wide — and re-entrant, so a load that
builds a model it then loads (the tiny engine) holds it once.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import Iterator

log = logging.getLogger(__name__)

_ONE_LOAD = threading.RLock()


@contextmanager
def loading_model(what: str) -> Iterator[None]:
    """Hold the process's model-loading lock while `what` (a model's name, for the log)
    is imported and built; waits for a load on another thread to finish first."""
    started = time.perf_counter()
    with _ONE_LOAD:
        waited = time.perf_counter() - started
        if waited > 0.1:
            log.info("%s waited %.1f s for another model's load to finish", what, waited)
        yield
