"""Imports point one way, read from the sources with ``ast`` (nothing is imported to check them).

- no module of ``rag/`` imports the package face (``rag/__init__.py``): they import each other;
- the CLI is the top layer: only ``rag/cli.py`` imports ``ui`` or ``eval``, and no module imports the CLI;
- ``ui/`` and ``eval/`` import from ``rag`` only the names in ``rag.__all__``;
- an import inside a function is a heavy or optional dependency, with a comment saying so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAG_MODULES = {p.stem for p in (ROOT / "rag").glob("*.py")}
# what may be imported inside a function: heavy or optional third-party packages
HEAVY = {
    "bs4",
    "docx",
    "faiss",
    "gradio",
    "jieba",
    "langchain_classic",
    "langchain_community",
    "langchain_openai",
    "langchain_text_splitters",
    "matplotlib",
    "onnxruntime",
    "pypdf",
    "sentence_transformers",
    "tokenizers",
    "torch",
    "transformers",
}
# and, per layer, the project's own heavy pieces: LangChain's chain; the page before rag (ui);
# the UI, the evaluation and the model stack (assistant, index: `rag ui` serves its page first) from the CLI;
# the LangChain baselines from the evaluation
LAZY_OWN = {
    "rag": {"rag.chain"},
    "rag/cli.py": {"ui", "eval", "rag.assistant", "rag.index"},
    "ui": {"rag", "eval"},
    "eval": {"eval.baselines"},
}


def sources(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).glob("*.py"))


def imports(path: Path) -> list[tuple[ast.Import | ast.ImportFrom, str, bool]]:
    """(node, absolute module name, inside a function) for each import of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.parent.name
    inside: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            inside |= {id(n) for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node, a.name, id(node) in inside) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join([package, *([module] if module else [])])
            out.append((node, module, id(node) in inside))
    return out


def _commented(lines: list[str], i: int) -> bool:
    """A comment on the import's line, on an import above it in the same block, or on the line above the block."""
    while True:
        if "#" in lines[i]:
            return True
        i -= 1
        if i < 0 or not lines[i].strip().startswith(("import ", "from ", "#")):
            return False


def rag_all() -> set[str]:
    tree = ast.parse((ROOT / "rag" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("rag/__init__.py has no __all__")


@pytest.mark.parametrize("path", sources("rag"), ids=lambda p: p.name)
def test_no_rag_module_imports_the_package_face(path):
    if path.name == "__init__.py":
        return
    for node, module, _ in imports(path):
        if isinstance(node, ast.ImportFrom) and module == "rag":
            names = [a.name for a in node.names]
            faces = [n for n in names if n not in RAG_MODULES]
            assert not faces, f"{path.name}:{node.lineno} imports {faces} from rag/__init__; import the module"
        assert module != "rag" or not isinstance(node, ast.Import), f"{path.name}:{node.lineno} imports rag"


@pytest.mark.parametrize("path", sources("rag", "ui", "eval"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_cli_is_the_top_layer(path):
    for node, module, _ in imports(path):
        top = module.split(".")[0]
        assert module != "rag.cli", f"{path.parent.name}/{path.name}:{node.lineno} imports the CLI"
        if path.parent.name == "rag" and path.name != "cli.py":
            assert top not in ("ui", "eval"), f"rag/{path.name}:{node.lineno} imports {module}"


@pytest.mark.parametrize("path", sources("ui", "eval"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ui_and_eval_use_only_the_names_rag_exports(path):
    exported = rag_all()
    for node, module, _ in imports(path):
        where = f"{path.parent.name}/{path.name}:{node.lineno}"
        if module.split(".")[0] != "rag":
            continue
        assert isinstance(node, ast.ImportFrom) and module == "rag", f"{where} imports {module}; use `from rag import`"
        missing = {a.name for a in node.names} - exported
        assert not missing, f"{where} imports {sorted(missing)}, which rag.__all__ does not export"


@pytest.mark.parametrize("path", sources("rag", "ui", "eval"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_imports_inside_functions_are_heavy_dependencies_with_a_comment(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    layer = f"rag/{path.name}" if path.name == "cli.py" else path.parent.name
    allowed_own = LAZY_OWN.get(layer, set()) | (LAZY_OWN["rag"] if layer == "rag/cli.py" else set())
    for node, module, inside in imports(path):
        if not inside:
            continue
        where = f"{path.parent.name}/{path.name}:{node.lineno}"
        heavy = module.split(".")[0] in HEAVY or any(module == m or module.startswith(m + ".") for m in allowed_own)
        assert heavy, f"{where} imports {module} inside a function; import it at the top of the module"
        assert _commented(lines, node.lineno - 1), (
            f"{where} imports {module} inside a function without a comment saying why"
        )
