"""The chat UI (Gradio) and the "starting…" page served while it imports.

Importing the package arranges for Gradio, when it is imported, to skip regenerating its own type
stubs for every component class (``ui/fastimport.py``): about half of ``import gradio`` on a small
machine, and nothing the page needs.
"""

from .fastimport import skip_stub_generation

skip_stub_generation()
