"""`socialpost report`: reading the posts and their engagement, grouping, JSON, CSV, HTML, charts."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a report makes ~10 objects a post, none in a cycle,
    and each collection would walk all of them again (a tenth of the report's time on the
    benchmark). Reference counting still frees everything; the state before is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
