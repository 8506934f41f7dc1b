"""Loads the assistant (model, index) in a background thread so the page can be served first.

``rag ui`` shows the page within seconds and lets the model load behind it; every handler asks the
loader for the assistant and waits on it, so the first question shows a "loading" state instead of
failing. Phases are timed so ``rag ui --verbose`` can say where the startup time went.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any


class Loader:
    """One assistant, loaded once in the background (or handed over ready-made)."""

    def __init__(self, assistant: Any = None, *, t0: float | None = None, verbose: bool = False):
        self.t0 = time.perf_counter() if t0 is None else t0
        self.verbose = verbose
        self.phases: list[tuple[str, float]] = []  # (phase, seconds since t0 when it ended)
        self._assistant = assistant
        self._error: str | None = None
        self._done = threading.Event()
        self._warmed = threading.Event()  # the warm-up after ready (``start``'s ``then``) is over too
        self._progress = ""  # what the loader is doing now, shown on the page
        self._lock = threading.Lock()
        if assistant is not None:
            self._done.set()
            self._warmed.set()

    # ------------------------------------------------------------ state the page shows

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self._error is None

    @property
    def warmed(self) -> bool:
        """Ready, and the warm-up that runs after ready is over (or failed: nothing is left to wait for)."""
        return self._warmed.is_set() and self._error is None

    @property
    def failed(self) -> str | None:
        return self._error if self._done.is_set() else None

    def status(self) -> str:
        """One line for the page: what is loading now, or the error that stopped it."""
        if self._error:
            return self._error
        return self._progress

    def mark(self, phase: str) -> None:
        """Record that a startup phase ended now; printed once with --verbose."""
        with self._lock:
            t = time.perf_counter() - self.t0
            start = self.phases[-1][1] if self.phases else 0.0
            self.phases.append((phase, t))
        if self.verbose:
            print(f"[startup] {phase}: {t - start:.1f} s (at {t:.1f} s)", file=sys.stderr, flush=True)

    # ------------------------------------------------------------ loading

    def start(self, load: Callable[[Loader], Any], then: Callable[[Loader, Any], None] | None = None) -> Loader:
        """Run ``load(self)`` in a daemon thread; it returns the assistant or raises.

        ``then(self, assistant)`` runs in the same thread once the assistant is ready (and questions are
        being answered): warm-up that the first answer need not wait for. Its failure only loses the
        warm-up; the question that needs that part pays for it, or shows the error, itself."""

        def run():
            try:
                self._assistant = load(self)
            except Exception as exc:  # noqa: BLE001 — shown on the page and on stderr, never a traceback
                from rag import RagError  # rag is what this thread loads: not imported with the page

                self._error = str(exc) if isinstance(exc, RagError) else f"{type(exc).__name__}: {exc}"
                print(f"error: {self._error}", file=sys.stderr, flush=True)
            finally:
                self._done.set()
            try:
                if then is not None and self._error is None:
                    then(self, self._assistant)
            except Exception as exc:  # noqa: BLE001
                if self.verbose:
                    print(f"[startup] warm-up after ready failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                self._warmed.set()

        self.thread = threading.Thread(target=run, name="rag-loader", daemon=True)
        self.thread.start()
        return self

    def progress(self, text: str) -> None:
        self._progress = text

    def get(self, timeout: float | None = None, *, warmed: bool = False):
        """The assistant, waiting for the background load; raises RagError if loading failed.

        ``warmed``: wait for the warm-up after ready as well. A question that needs what it is warming
        (an English question: the English glossary) would otherwise build the same tables a second
        time beside it, and on a small machine take longer than the wait."""
        self._done.wait(timeout)
        if warmed and self._error is None:
            self._warmed.wait(timeout)
        if self._error:
            from rag import RagError  # rag is what this thread loads: not imported with the page

            raise RagError(self._error)
        if self._assistant is None:
            from rag import RagError  # rag is what this thread loads: not imported with the page

            raise RagError("the model and index are still loading")
        return self._assistant
