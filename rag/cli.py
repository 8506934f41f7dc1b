"""The `rag` command: each command parses, calls the library, and formats.

Library errors (``RagError``) become one readable line on stderr and exit code 1; bad usage exits 2.
The assistant and the index (numpy, SciPy, FAISS, pypinyin: ~1 s on 2 cores) are imported by the
commands that use them, not with this module: ``rag ui`` serves its page first and loads them behind it.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer
from tqdm import tqdm

from .config import Config
from .errors import IndexNotFoundError, RagError
from .manifest import check_manifest
from .validate import check_k, clean_text

if TYPE_CHECKING:
    from .assistant import Assistant

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Cited answers over Chinese government work reports (政府工作报告).",
)


def _config(model: str | None = None, quiet: bool = False) -> Config:
    return Config.from_env(model=model, quiet=quiet)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _k(k: int) -> int:
    try:
        return check_k(k)
    except RagError as exc:
        _fail(f"--k: {exc}", 2)
        raise


def _note(message: str) -> None:
    typer.echo(f"note: {message}", err=True)


class _Bars:
    """tqdm progress bars keyed by stage, on stderr; silent with --quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bars: dict = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.quiet or total == 0:
            return
        bar = self.bars.get(label)
        if bar is None:
            bar = self.bars[label] = tqdm(total=total, desc=label, unit="text", file=sys.stderr, leave=True)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _load_assistant(config: Config, build_if_missing: bool = False) -> Assistant:
    from .assistant import Assistant  # heavy (the model stack): only the commands that answer need it

    bars = _Bars(config.quiet)
    folder = config.index_dir
    first_run = not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))
    if build_if_missing and first_run and not config.quiet:
        typer.echo(f"Building the index of the bundled reports at {config.index_dir} (first run only)…", err=True)
    try:
        return Assistant.load(config, build_if_missing=build_if_missing, progress=bars)
    finally:
        bars.close()


@app.command()
def index(
    paths: list[Path] = typer.Argument(None, help="report files or folders to add (.txt .md .pdf .docx .html)"),
    rebuild: bool = typer.Option(
        False,
        "--rebuild",
        help="rebuild from the bundled reports and your library (what every build does; fixes a damaged or old index)",
    ),
    model: str | None = typer.Option(None, "--model", help="embedding model: HF id or local folder"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Build the index, or add reports to it (kept in the library). Example: rag index my_reports/兰州2024.pdf

    Added files are copied into the library folder (RAG_LIBRARY_DIR, default library/ beside the
    index) and stay there through every rebuild; `rag remove REPORT_ID` takes one out. A file that
    cannot be read is named and skipped, the others are indexed, and the exit code is 1.
    """
    from .assistant import build_index, make_encoder  # heavy (the model stack): imported by the command

    config = _config(model, quiet)
    bars = _Bars(quiet)
    try:
        _, stats = build_index(
            config, make_encoder(config), paths=list(paths or []) or None, rebuild=rebuild, progress=bars, on_wait=_note
        )
    finally:
        bars.close()
    for note in stats.notes:
        _note(note)
    for problem in stats.skipped:
        typer.echo(f"skipped: {problem}", err=True)
    if not quiet:
        if stats.added:
            typer.echo(f"added to the library ({config.library}): {', '.join(stats.added)}")
        typer.echo(
            f"indexed {stats.reports} reports, {stats.chunks} chunks, {stats.characters} characters "
            f"in {stats.seconds:.1f}s (embedded {stats.embedded} new texts, {stats.cached} from cache) "
            f"→ {config.index_dir}"
        )
    if stats.skipped:
        _fail(f"{len(stats.skipped)} file(s) could not be indexed (see above); the others were")


@app.command()
def remove(
    report_id: str = typer.Argument(..., help="the report's id, as `rag reports` lists it"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Remove a report from the index and the library. Example: rag remove lanzhou-2024"""
    from .assistant import make_encoder, remove_report  # heavy (the model stack): imported by the command

    config = _config(quiet=quiet)
    bars = _Bars(quiet)
    try:
        removal, _ = remove_report(
            config, make_encoder(config), clean_text(report_id).strip(), progress=bars, on_wait=_note
        )
    finally:
        bars.close()
    r = removal.report
    typer.echo(f"removed {r.report_id} ({r.title}, {r.chunks} chunks) from the index")
    for name in removal.deleted_files:
        typer.echo(f"deleted its file '{name}' from the library at {config.library}")
    if removal.bundled:
        typer.echo(
            "it is a bundled report: it stays out of every rebuild until you add its file again with `rag index`"
        )
    elif not removal.deleted_files:
        typer.echo(f"its file holds other reports and stays in the library at {config.library}")


@app.command()
def reports(as_json: bool = typer.Option(False, "--json", help="machine-readable list")) -> None:
    """List the indexed reports. Example: rag reports --json"""
    from .assistant import report_infos  # heavy (the model stack): imported by the command
    from .index import Index

    config = _config(quiet=True)
    rows = [r.to_dict() for r in report_infos(Index.load(config.index_dir))]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(
            f"{r['report_id']:<26} {r['city']:<8} {r['level']}  reviews {r['reviewed_year']}  "
            f"plans {r['plan_year']}  {r['date'] or '—':<10}  {r['chunks']:>3} chunks  {r['title']}"
        )


@app.command()
def show(chunk_id: str, paragraphs: int = typer.Option(1, "--context", help="paragraphs of context each side")) -> None:
    """Show a passage with its section path and surrounding text. Example: rag show xining-2020:1a2b3c4d5e6f"""
    config = _config(quiet=True)
    assistant = _load_assistant(config)
    view = assistant.passage(chunk_id, paragraphs)
    typer.echo(f"《{view.report.title}》 {view.section}  [{view.part}]")
    typer.echo("-" * 40)
    before, body, after = (
        view.context[: view.start_in_context],
        view.context[view.start_in_context : view.end_in_context],
        view.context[view.end_in_context :],
    )
    typer.echo(before + typer.style(body, bold=True) + after)


@app.command()
def ask(
    question: str = typer.Argument(..., help="the question, or - to read one question per line from stdin"),
    k: int = typer.Option(5, "--k", help="passages to cite at most"),
    city: list[str] | None = typer.Option(None, "--city", help="only these places (repeatable)"),
    year: int | None = typer.Option(None, "--year"),
    part: str | None = typer.Option(None, "--part", help="review | plan | government | other"),
    llm: bool = typer.Option(False, "--llm", help="answer with the configured OpenAI-compatible LLM"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON contract (one object per line)"),
) -> None:
    """Answer a question with citations. Example: rag ask "海东2023年地区生产总值预期增长多少？"

    With "-", questions are read one per line from stdin and answered as they come; a line that
    cannot be read or answered gets an error object (or an error line) and the batch goes on.
    """
    k = _k(k)
    config = _config(quiet=True).with_(k=k)
    assistant = _load_assistant(config)
    if question != "-":
        answer = assistant.ask(clean_text(question), k=k, cities=city, year=year, part=part, llm=llm)
        if as_json:
            typer.echo(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            _print_answer(answer)
        return
    failed = False
    for n, q, problem in _stdin_lines():
        if problem is None:
            try:
                answer = assistant.ask(q, k=k, cities=city, year=year, part=part, llm=llm)
            except RagError as exc:
                problem = str(exc)
            except Exception as exc:  # one question's bug never costs the rest of the batch its answers
                problem = f"internal error: {type(exc).__name__}: {exc}"
        if problem is not None:
            failed = True
            if as_json:
                typer.echo(json.dumps({"line": n, "question": q, "error": problem}, ensure_ascii=False))
            else:
                typer.echo(f"error: line {n}: {problem}", err=True)
        elif as_json:
            typer.echo(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            _print_answer(answer)
        sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


def _stdin_lines():
    """(line number, question, problem) for each non-blank stdin line, decoded one line at a time."""
    for n, raw in enumerate(sys.stdin.buffer, 1):
        try:
            text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            problem = None
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", "replace")
            problem = f"line {n} is not UTF-8 text (byte {exc.start}); use UTF-8 for the questions"
        text = clean_text(text).strip()
        if text or problem:
            yield n, text, problem


def _print_answer(answer) -> None:
    for note in answer.notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(answer.answer)
    if answer.citations:
        typer.echo("")
    for c in answer.citations:
        typer.echo(typer.style(f"[{c.n}] 《{c.report}》 {c.section}  ({c.part})", bold=True))
        typer.echo(f"    {c.text}")
        typer.echo(f"    id: {c.chunk_id}")


@app.command()
def ui(
    host: str = typer.Option("127.0.0.1", "--host", help="0.0.0.0 serves the UI to your local network"),
    port: int = typer.Option(7860, "--port"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="print how long each startup phase took"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Start the chat UI at http://HOST:PORT. Example: rag ui --host 0.0.0.0 --port 7860

    The page is served first; the model and index load behind it (the first question waits for them),
    and the index of the bundled reports is built on the first run.
    """
    t0 = time.perf_counter()
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    if not 0 < port < 65536:
        _fail(f"--port must be between 1 and 65535, not {port}", 2)
    config = _config(quiet=quiet)
    try:  # a damaged or old index is refused now, not after a page that could never answer is served
        check_manifest(config.index_dir, config.model)  # the cheap check: no model stack before the page
    except IndexNotFoundError:
        pass  # the first run builds it behind the page
    except RagError as exc:
        _fail(str(exc))
    try:
        from ui.placeholder import Placeholder  # the UI package: only `rag ui` needs it
    except ImportError:
        _fail("the UI package (ui/) is not installed: run `make install`")
    try:  # a "starting…" page answers at once while the page's own code (Gradio) imports
        placeholder = Placeholder(host, port)
    except OSError as exc:  # the port is taken or the host is not an address of this machine
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    if verbose:
        typer.echo(f"[startup] starting page on http://{host}:{port}: {time.perf_counter() - t0:.1f} s", err=True)
    from ui.app import serve  # heavy (Gradio): imported while the placeholder page answers

    try:
        serve(config, host=host, port=port, verbose=verbose, t0=t0, placeholder=placeholder)
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


@app.command()
def chat(quiet: bool = typer.Option(False, "--quiet", "-q")) -> None:
    """Ask questions one after another (builds the index of the bundled reports on first run)."""
    config = _config(quiet=quiet)
    assistant = _load_assistant(config, build_if_missing=True)
    typer.echo(
        f"{len(assistant.index.reports)} reports indexed. Ask in Chinese or English; empty line or Ctrl-D quits."
    )
    typer.echo("例如：海东2023年地区生产总值预期增长多少？ / What did Xining promise on air quality?")
    history: list[str] = []
    while True:
        try:
            question = clean_text(input("\n? ")).strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = assistant.ask(question, history=history)
        except RagError as exc:
            typer.echo(f"error: {exc}", err=True)
            continue
        if answer.searched_question and answer.searched_question != question:
            typer.echo(f"(searched: {answer.searched_question})")
        _print_answer(answer)
        history.append(answer.searched_question or question)


@app.command(name="eval")
def eval_cmd(
    set_path: Path = typer.Option(None, "--set", help="question set (JSON lines); default: dev + held-out"),
    k: int = typer.Option(5, "--k"),
    compare: bool = typer.Option(False, "--compare", help="also run the baselines and ablations"),
    out: Path = typer.Option(Path("eval/results"), "--out"),
    split: str | None = typer.Option(None, "--split", help="dev | heldout (default: both)"),
) -> None:
    """Run the evaluation question set and score it. Example: rag eval --compare"""
    k = _k(k)
    try:
        from eval.runner import main as run_eval  # the evaluation package: only `rag eval` needs it
    except ImportError:
        _fail("the evaluation runner (eval/) is not importable: run from the project folder")
    if set_path is not None and not set_path.exists():
        _fail(f"no question set at {set_path}")
    run_eval(set_path=set_path, k=k, compare=compare, out=out, split=split)


def main() -> None:
    """Entry point: library errors become one line and a non-zero exit, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        try:  # text that cannot be encoded (a terminal that is not UTF-8) is replaced, never fatal
            cast(io.TextIOWrapper, stream).reconfigure(errors="replace")  # AttributeError when it is not one
        except (AttributeError, ValueError):
            pass
    try:
        app(standalone_mode=True)
    except RagError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted; the index on disk is unchanged", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: still one line (RAG_DEBUG=1 shows the traceback)
        if os.environ.get("RAG_DEBUG"):
            raise
        typer.echo(f"error: internal error: {type(exc).__name__}: {exc} (RAG_DEBUG=1 shows where)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
