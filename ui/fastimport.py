"""Importing Gradio without regenerating its type stubs: the largest part of ``import gradio`` here.

Every Gradio component class is created by ``gradio.component_meta.ComponentMeta``, which calls
``create_or_modify_pyi`` for it: it reads the component's source file, parses it with ``ast`` (twice,
and cuts the class out with ``ast.get_source_segment``, slow on long files), renders a Jinja template
and compares the result with the ``.pyi`` stub beside the source, rewriting the stub when they differ.
That keeps Gradio's own type stubs in step with its sources while Gradio is developed; at run time it
changes nothing (the stubs are only read by type checkers, and an installed Gradio ships them). Done
for ~80 classes on every import, it was ~2 of the ~4.5 s that ``import gradio`` took on a 2-core
machine (``python -X importtime -c "import gradio"``; cProfile: 4.9 of 8.3 s under the profiler).

:func:`skip_stub_generation`, called before Gradio is first imported, makes that one function a no-op
in this process: a finder on ``sys.meta_path`` lets ``gradio.component_meta`` load as usual and
replaces its ``create_or_modify_pyi`` right after, before any component class exists. Nothing else of
Gradio is touched; if Gradio is already imported, or a later Gradio has no such function, it does
nothing. ``ui/__init__.py`` calls it, so any import of the UI (``rag ui``, the tests) gets it.
"""

from __future__ import annotations

import sys
from importlib.machinery import PathFinder

TARGET = "gradio.component_meta"
STUB_FUNCTION = "create_or_modify_pyi"


def _no_stub(*args, **kwargs) -> None:
    """Stands in for ``create_or_modify_pyi``: the stubs are left as installed."""


class _SkipStubs:
    """A meta path finder for ``gradio.component_meta`` only: the module loads as it would without it."""

    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        sys.meta_path[:] = [f for f in sys.meta_path if f is not self]  # once: the module is now loading
        spec = PathFinder.find_spec(name, path, target)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        exec_module = loader.exec_module

        def exec_then_skip(module):
            exec_module(module)
            if callable(getattr(module, STUB_FUNCTION, None)):
                setattr(module, STUB_FUNCTION, _no_stub)

        loader.exec_module = exec_then_skip
        return spec


def skip_stub_generation() -> bool:
    """Before ``import gradio``: skip its per-class stub regeneration. False if it is too late (already
    imported) or already arranged."""
    if TARGET in sys.modules or any(isinstance(f, _SkipStubs) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, _SkipStubs())
    return True


def stubs_skipped() -> bool:
    """Whether the Gradio imported in this process skipped the stub regeneration."""
    module = sys.modules.get(TARGET)
    return module is not None and getattr(module, STUB_FUNCTION, None) is _no_stub
