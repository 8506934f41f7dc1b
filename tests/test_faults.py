"""The fault catalogue of issue 11: one test per failure a hostile probe of the project found.

Each test is named after what must hold and runs the case as a user would (the `rag` command in a
subprocess, the HTTP API of a real server) or, where the behaviour lives in the library, through
the library with the real model and real FAISS on the small fixture corpus. The probe's case 6
(Markdown images in the page) is covered by the browser tests.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from rag.assistant import Assistant, build_index
from rag.errors import IndexDamagedError, IndexMismatchError, IndexWriteError, IngestError, QuestionError
from rag.index import Index
from rag.library import Library
from rag.storage import write_lock

pytestmark = pytest.mark.model

LANZHOU = (
    "2023年兰州市政府工作报告\n各位代表：\n一、2022年工作回顾\n兰州新建滨河步道8公里、城市绿道20公里。\n"
    "二、2023年工作安排\n兰州将新建口袋公园30个，改造老旧小区120个。\n"
)
BAIYIN = (
    "2023年白银市政府工作报告\n各位代表：\n一、2022年工作回顾\n白银建成光伏电站8座。\n"
    "二、2023年工作安排\n白银将新建城市书房15个。\n"
)


def run(args, env_extra, stdin: bytes | str | None = None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **env_extra}
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, env=env, input=data, timeout=600
    )
    out.stdout_text = out.stdout.decode("utf-8", "replace")
    out.stderr_text = out.stderr.decode("utf-8", "replace")
    return out


def one_line_error(out) -> str:
    """The run failed with exactly one `error:` line on stderr and no traceback."""
    assert out.returncode != 0
    assert "Traceback" not in out.stderr_text
    lines = [ln for ln in out.stderr_text.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), out.stderr_text
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def config(tmp_path, fixture_config, assistant):
    """A private copy of the fixture index (and an empty library beside it)."""
    shutil.copytree(fixture_config.index_dir, tmp_path / "index")
    return fixture_config.with_(index_dir=tmp_path / "index")


@pytest.fixture
def env(config):
    # the fixture corpus stands in for the bundled one, so a subprocess's build embeds nothing new
    return {
        "RAG_INDEX_DIR": str(config.index_dir),
        "RAG_CACHE_DIR": str(config.cache_dir),
        "RAG_CORPUS": os.pathsep.join(str(p) for p in config.corpus),
    }


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- 1. never overwrite what isn't ours


def test_an_index_dir_holding_other_files_is_refused_and_nothing_is_deleted(tmp_path, config):
    theirs = tmp_path / "thesis"
    theirs.mkdir()
    write(theirs / "chapter1.tex", "my thesis")
    (theirs / "data").mkdir()
    write(theirs / "data" / "results.csv", "1,2,3")
    before = snapshot(theirs)
    out = run(["index"], {"RAG_INDEX_DIR": str(theirs), "RAG_CACHE_DIR": str(config.cache_dir)})
    assert "not an index folder" in one_line_error(out) and "nothing was changed" in out.stderr_text
    assert snapshot(theirs) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".thesis")) in ([], [".thesis.lock"])


def test_an_index_dir_that_is_a_file_is_refused_and_the_file_kept(tmp_path, config):
    theirs = write(tmp_path / "notes.txt", "keep me")
    out = run(["index"], {"RAG_INDEX_DIR": str(theirs), "RAG_CACHE_DIR": str(config.cache_dir)})
    assert "is a file" in one_line_error(out)
    out = run(["chat"], {"RAG_INDEX_DIR": str(theirs), "RAG_CACHE_DIR": str(config.cache_dir)}, stdin="")
    assert "is a file" in one_line_error(out)
    assert theirs.read_text(encoding="utf-8") == "keep me"


# ---------------------------------------------------------------- 2. user reports are data; no silent rebuild


def test_chat_on_a_damaged_index_says_what_is_wrong_and_rebuilds_nothing(config, env):
    lines = (config.index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]  # a swapped pair of lines: still valid JSON, wrong rows
    (config.index_dir / "chunks.jsonl").write_text("".join(lines), encoding="utf-8")
    before = snapshot(config.index_dir)
    out = run(["chat"], env, stdin="")
    line = one_line_error(out)
    assert "chunks.jsonl" in line and "rag index --rebuild" in line
    assert snapshot(config.index_dir) == before


def test_the_ui_on_an_older_format_index_says_so_and_rebuilds_nothing(config, env):
    manifest = json.loads((config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 2
    (config.index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = snapshot(config.index_dir)
    out = run(["ui", "--port", "9"], env)
    line = one_line_error(out)
    assert "another version" in line and "rag index --rebuild" in line and "keeps the reports you added" in line
    assert snapshot(config.index_dir) == before


def test_a_rebuild_keeps_the_reports_the_user_added(tmp_path, config, encoder):
    build_index(config, encoder, paths=[write(tmp_path / "兰州.txt", LANZHOU)])
    index, _ = build_index(config, encoder, rebuild=True)
    assert "兰州市" in {r.city for r in index.reports.values()}
    [entry] = Library(config.library).files()
    assert entry.name == "兰州.txt" and (config.library / "files" / entry.stored_as).read_text() == LANZHOU
    assert not config.library.is_relative_to(config.index_dir)  # outside what a rebuild replaces
    shutil.rmtree(config.index_dir)  # even with the index gone, the first run brings the report back
    again = Assistant.load(config, encoder=encoder, build_if_missing=True)
    assert "兰州市" in {r.city for r in again.reports()}


def test_an_old_index_with_uploads_in_sources_moves_them_to_the_library(config, encoder):
    # format 2 kept uploads only in index/sources/, and a rebuild emptied it
    sources = config.index_dir / "sources"
    sources.mkdir()
    write(sources / "0123456789ab-兰州.txt", LANZHOU)
    manifest = json.loads((config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 2
    manifest["sources"].append({"name": "兰州.txt", "bundled": False, "stored_as": "0123456789ab-兰州.txt"})
    (config.index_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    index, stats = build_index(config, encoder, rebuild=True)
    assert "兰州市" in {r.city for r in index.reports.values()}
    assert [f.name for f in Library(config.library).files()] == ["兰州.txt"]
    assert any("moved 1" in n for n in stats.notes) and not (config.index_dir / "sources").exists()


def test_rag_remove_takes_a_report_out_of_the_index_and_the_library(tmp_path, config, env, encoder):
    build_index(config, encoder, paths=[write(tmp_path / "兰州.txt", LANZHOU)])
    rid = next(r.report_id for r in Index.load(config.index_dir).reports.values() if r.city == "兰州市")
    out = run(["remove", rid, "--quiet"], env)
    assert out.returncode == 0, out.stderr_text
    assert rid in out.stdout_text and "兰州.txt" in out.stdout_text and "deleted" in out.stdout_text
    assert rid not in Index.load(config.index_dir).reports and Library(config.library).files() == []
    assert not list((config.library / "files").iterdir())
    out = run(["remove", rid], env)
    assert "no report with id" in one_line_error(out)


def test_removing_a_bundled_report_holds_across_rebuilds_until_it_is_added_again(config, encoder):
    a = Assistant.load(config, encoder=encoder)
    removal = a.remove_report("xining-2020")
    assert removal.bundled and removal.report.city == "西宁市"
    assert "西宁市" not in {r.city for r in a.reports()}
    index, _ = build_index(config, encoder, rebuild=True)
    assert "西宁市" not in {r.city for r in index.reports.values()}
    index, _ = build_index(config, encoder, paths=[config.corpus[0] / "xining_2020.txt"])
    assert "西宁市" in {r.city for r in index.reports.values()}


def test_the_reports_tab_removes_a_report(config, encoder):
    from ui.handlers import remove_report as ui_remove
    from ui.handlers import reports_rows

    a = Assistant.load(config, encoder=encoder)
    message = ui_remove(a, "xining-2020")
    assert "xining-2020" in message and "Removed" in message
    assert "xining-2020" not in [row[-1] for row in reports_rows(a)]
    assert "⚠" in ui_remove(a, "no-such-report")


# ---------------------------------------------------------------- 3. one writer at a time, readers see fresh data


def test_a_report_added_by_the_cli_while_the_ui_runs_survives_the_ui_next_upload(tmp_path, config, env, encoder):
    ui = Assistant.load(config, encoder=encoder)  # the UI holds the index in memory
    lanzhou = write(tmp_path / "兰州.txt", LANZHOU)
    # embed Lanzhou's text once here, so the CLI subprocess finds it cached and needs no model
    build_index(config.with_(index_dir=tmp_path / "warm" / "index"), encoder, paths=[lanzhou])
    out = run(["index", str(lanzhou), "--quiet"], env)
    assert out.returncode == 0, out.stderr_text
    answer = ui.ask("兰州2023年新建多少个口袋公园？")  # the UI notices the newer index before answering
    assert any(c.city == "兰州市" for c in answer.citations)
    ui.add_reports([write(tmp_path / "白银.txt", BAIYIN)])
    cities = {r.city for r in Index.load(config.index_dir).reports.values()}
    assert {"兰州市", "白银市"} <= cities


def test_two_running_assistants_never_undo_each_others_writes(tmp_path, config, encoder):
    first, second = Assistant.load(config, encoder=encoder), Assistant.load(config, encoder=encoder)
    first.add_reports([write(tmp_path / "兰州.txt", LANZHOU)])
    assert "兰州市" in {r.city for r in second.reports()}  # reloaded from disk
    generation = second.index.manifest["generation"]
    second.add_reports([write(tmp_path / "白银.txt", BAIYIN)])
    assert second.index.manifest["generation"] == generation + 1
    assert {"兰州市", "白银市"} <= {r.city for r in first.reports()}


def test_a_second_writer_waits_for_the_first(tmp_path, config, encoder):
    waiting = threading.Event()
    result: dict = {}

    def writer():
        try:
            result["index"] = build_index(
                config, encoder, paths=[write(tmp_path / "兰州.txt", LANZHOU)], on_wait=lambda msg: waiting.set()
            )[0]
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc

    with write_lock(config.index_dir):  # another process's build, as far as the writer can tell
        t = threading.Thread(target=writer)
        t.start()
        assert waiting.wait(60), "the writer did not wait for the lock"
        assert not Library(config.library).files()  # nothing written while the lock was held
    t.join(120)
    assert "error" not in result and "兰州市" in {r.city for r in result["index"].reports.values()}


# ---------------------------------------------------------------- 4. integrity on load: one line naming the file


def _corrupt(folder: Path, case: str) -> str:
    m = folder / "manifest.json"
    if case == "manifest-list":
        m.write_text("[1, 2]")
        return "manifest.json"
    if case == "manifest-null":
        m.write_text("null")
        return "manifest.json"
    if case == "manifest-not-utf8":
        m.write_bytes(b'{"format_version": "\xff\xfe"}')
        return "manifest.json"
    if case == "chunk-line-not-object":
        with open(folder / "chunks.jsonl", "a", encoding="utf-8") as fh:
            fh.write("[1, 2, 3]\n")
        return "chunks.jsonl"
    if case == "chunk-lines-swapped":
        lines = (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        lines[2], lines[3] = lines[3], lines[2]
        (folder / "chunks.jsonl").write_text("".join(lines), encoding="utf-8")
        return "chunks.jsonl"
    if case == "faiss-byte-flipped":
        data = bytearray((folder / "dense.faiss").read_bytes())
        data[len(data) // 2] ^= 0x40
        (folder / "dense.faiss").write_bytes(bytes(data))
        return "dense.faiss"
    if case == "sentences-empty":
        (folder / "sentences.npy").write_bytes(b"")
        return "sentences.npy"
    if case == "reports-wrong-shape":
        (folder / "reports.json").write_text('{"not": "a list"}')
        return "reports.json"
    raise ValueError(case)


CORRUPTIONS = [
    "manifest-list",
    "manifest-null",
    "manifest-not-utf8",
    "chunk-line-not-object",
    "chunk-lines-swapped",
    "faiss-byte-flipped",
    "sentences-empty",
    "reports-wrong-shape",
]


@pytest.mark.parametrize("case", CORRUPTIONS)
def test_a_damaged_index_file_is_one_line_naming_it(config, case):
    name = _corrupt(config.index_dir, case)
    with pytest.raises(IndexDamagedError) as err:
        Index.load(config.index_dir)
    message = str(err.value)
    assert name in message and "\n" not in message and "rag index --rebuild" in message


def test_the_cli_on_a_damaged_index_prints_one_line_not_a_traceback(config, env):
    _corrupt(config.index_dir, "sentences-empty")
    assert "sentences.npy" in one_line_error(run(["reports"], env))


def test_a_rebuild_repairs_a_damaged_index(config, encoder):
    _corrupt(config.index_dir, "manifest-null")
    build_index(config, encoder, rebuild=True)
    assert len(Index.load(config.index_dir).reports) == 6


# ---------------------------------------------------------------- 5. bounded input, progress


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, config, encoder):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:  # sparse: 21 MB on paper, nothing to write
        fh.truncate(21_000_000)
    with pytest.raises(IngestError, match=r"huge.txt: 21.0 MB is over the limit of 20.0 MB.*RAG_MAX_FILE_MB"):
        build_index(config, encoder, paths=[big])
    small = write(tmp_path / "兰州.txt", LANZHOU)
    with pytest.raises(IngestError, match="over the limit"):
        build_index(config.with_(max_file_mb=0.0001), encoder, paths=[small])
    assert Library(config.library).files() == []


def test_a_build_reports_progress_through_every_phase(tmp_path, config, encoder):
    seen: dict[str, tuple[int, int]] = {}
    build_index(
        config,
        encoder,
        paths=[write(tmp_path / "兰州.txt", LANZHOU)],
        progress=lambda label, done, total: seen.__setitem__(label, (done, total)),
    )
    for phase in ("reading reports", "chunking", "lexical index"):
        done, total = seen[phase]
        assert done == total > 0, phase


# ---------------------------------------------------------------- 6. every input validated at the edge


def test_invalid_utf8_in_a_cli_argument_is_answered_not_a_traceback(env):
    out = run([b"ask".decode(), os.fsdecode(b"\xff\xfe\xe6\xb5\xb7\xe4\xb8\x9c GDP"), "--json"], env)
    assert out.returncode == 0 and "Traceback" not in out.stderr_text, out.stderr_text
    line = json.loads(out.stdout_text)
    assert "\ufffd" in line["question"] and "citations" in line


def test_a_bad_line_in_a_batch_gets_an_error_object_and_the_batch_goes_on(env):
    stdin = (
        "海东2023年GDP增长目标？\n".encode()
        + b"\xff\xfe bad bytes\n"
        + "\x01\n西宁2020年的目标？\n".encode()
        + b"k\xed\xa0\x80\n"
        + "？？\n".encode()
    )
    out = run(["ask", "--json", "-"], env, stdin=stdin)
    assert "Traceback" not in out.stderr_text and out.returncode == 1
    lines = [json.loads(x) for x in out.stdout_text.splitlines()]
    assert len(lines) == 5  # the line holding only a control character is blank once cleaned
    assert "citations" in lines[0] and "citations" in lines[2]
    assert lines[1]["line"] == 2 and "not UTF-8" in lines[1]["error"]
    assert lines[3]["line"] == 5 and "not UTF-8" in lines[3]["error"]  # the bytes of a lone surrogate
    assert lines[4]["line"] == 6 and "no words" in lines[4]["error"]


@pytest.mark.parametrize("k", [0, 51, "0"])
def test_the_cli_refuses_k_outside_1_to_50(env, k):
    assert "--k" in one_line_error(run(["ask", "海东GDP", "--k", str(k)], env))


@pytest.mark.parametrize("k", [-1, 0, 51, 10**9, "abc", [3], 2.5, float("nan")])
def test_the_library_refuses_k_outside_1_to_50(assistant, k):
    with pytest.raises(QuestionError, match="k must be a whole number from 1 to 50"):
        assistant.ask("海东2023年GDP增长目标？", k=k)


def test_questions_are_cleaned_of_surrogates_and_control_characters(assistant):
    answer = assistant.ask("海东\ud800 2023年\x07GDP增长目标？")
    assert "\ud800" not in answer.question and "\x07" not in answer.question
    json.dumps(answer.to_json()).encode("utf-8")


@pytest.fixture(scope="module")
def server(assistant):
    from ui.app import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = launch(assistant, port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def call_api(base: str, data: list) -> dict:
    """POST to the /ask endpoint as any HTTP client can (JSON escapes, so a lone surrogate gets through)."""
    import urllib.request

    body = json.dumps({"data": data}).encode("ascii")
    req = urllib.request.Request(base + "gradio_api/call/ask", body, {"Content-Type": "application/json"})
    event = json.loads(urllib.request.urlopen(req, timeout=120).read())["event_id"]
    stream = urllib.request.urlopen(f"{base}gradio_api/call/ask/{event}", timeout=300).read().decode("utf-8")
    kind = [ln for ln in stream.splitlines() if ln.startswith("event:")][-1]
    payload = json.loads([ln for ln in stream.splitlines() if ln.startswith("data:")][-1][5:])
    assert kind == "event: complete", stream  # not a bare "error" event with a null message
    return payload[0]


@pytest.mark.parametrize(
    "question,k,error",
    [
        ("海东\ud800GDP增长目标", 5, None),
        ("海东GDP增长\x00目标", "5", None),
        ("海东GDP", None, None),
        ("海东GDP", "abc", "k must be"),
        ("海东GDP", [1], "k must be"),
        ("海东GDP", -1, "k must be"),
        ("海东GDP", 10**9, "k must be"),
        ("", 5, "empty"),
        (None, 5, "empty"),
        (["海东"], 5, "must be text"),
    ],
)
def test_the_http_api_validates_its_inputs_and_every_error_has_a_message(server, question, k, error):
    out = call_api(server, [question, k])
    if error is None:
        assert "error" not in out and "citations" in out and out["found"] is not None
        assert "\ud800" not in out["question"] and "\x00" not in out["question"]
    else:
        assert error in (out.get("error") or ""), out


def test_the_http_api_through_gradio_client(server):
    from gradio_client import Client

    out = Client(server, verbose=False).predict("海东2023年GDP增长目标？", 3, api_name="/ask")
    assert out["citations"] and len(out["citations"]) <= 3


# ---------------------------------------------------------------- 7. smaller: leftovers, bad files, empty folders


def test_a_killed_builds_leftover_folder_is_removed_at_the_next_build(config, encoder):
    leftover = config.index_dir.parent / ".index.building-killed"
    (leftover / "sub").mkdir(parents=True)
    (leftover / "dense.faiss").write_bytes(b"x" * 1000)
    build_index(config, encoder)
    assert not leftover.exists()


def test_a_folder_with_one_bad_file_indexes_the_good_ones_and_names_the_bad_one(tmp_path, config, env, encoder):
    folder = tmp_path / "new"
    folder.mkdir()
    write(folder / "兰州.txt", LANZHOU)
    write(folder / "白银.txt", BAIYIN)
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    # embed the good texts here, so the CLI subprocess needs no model
    build_index(
        config.with_(index_dir=tmp_path / "warm" / "index"), encoder, paths=[folder / "兰州.txt", folder / "白银.txt"]
    )
    out = run(["index", str(folder), "--quiet"], env)
    assert out.returncode == 1 and "Traceback" not in out.stderr_text
    assert "broken.txt" in out.stderr_text and "binary" in out.stderr_text
    assert {"兰州市", "白银市"} <= {r.city for r in Index.load(config.index_dir).reports.values()}


def test_an_empty_folder_says_so(tmp_path, env):
    (tmp_path / "empty").mkdir()
    assert "no report files" in one_line_error(run(["index", str(tmp_path / "empty")], env))


def test_a_file_that_is_not_a_report_is_indexed_under_its_name_with_a_stable_id(tmp_path, config, encoder):
    readme = write(tmp_path / "notes.md", "# Notes\n\nSome remarks about installing the tool.\n\nRun make start.\n")
    index, stats = build_index(config, encoder, paths=[readme])
    [report] = [r for r in index.reports.values() if r.source == "notes.md"]
    assert report.title == "notes.md" and "政府工作报告" not in report.title
    assert any("not a government work report" in n for n in stats.notes)
    again, _ = build_index(config, encoder)
    assert [r.report_id for r in again.reports.values() if r.source == "notes.md"] == [report.report_id]
    assert again.reports[report.report_id].title == "notes.md"


def test_an_unreadable_library_manifest_is_one_line_naming_it(tmp_path, config, encoder):
    config.library.mkdir(parents=True)
    (config.library / "library.json").write_text("[1, 2]")
    with pytest.raises(Exception) as err:
        build_index(config, encoder)
    assert "library.json" in str(err.value) and "\n" not in str(err.value)


def test_the_index_files_carry_sizes_and_checksums(config):
    manifest = json.loads((config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        assert (config.index_dir / name).stat().st_size == entry["size"] and len(entry["sha256"]) == 64
    assert manifest["generation"] >= 1 and manifest["build_id"]
    assert np.load(config.index_dir / "sentences.npy").shape[1] == manifest["dimension"]


def test_index_write_errors_are_named(tmp_path, config, encoder):
    with pytest.raises(IndexWriteError):
        build_index(config.with_(index_dir=write(tmp_path / "f", "x") / "index"), encoder)
    with pytest.raises(IndexMismatchError):
        Index.load(config.index_dir, model="another/model")


def test_a_reader_never_sees_a_half_swapped_index(tmp_path, config, encoder):
    problems: list[BaseException] = []
    done = threading.Event()

    def reader():
        while not done.is_set():
            try:
                Index.load(config.index_dir)
            except BaseException as exc:  # noqa: BLE001 - any failure here is the finding
                problems.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    try:
        build_index(config, encoder, paths=[write(tmp_path / "兰州.txt", LANZHOU)])
        build_index(config, encoder, paths=[write(tmp_path / "白银.txt", BAIYIN)])
    finally:
        done.set()
        t.join(120)
    assert problems == []


@pytest.fixture
def newer_index(tmp_path, config) -> Path:
    """Another build of the same shape (same chunk and vector counts) but other content, so a reader
    that mixed files from the two builds would pass every size check and still be wrong."""
    index = Index.load(config.index_dir)
    index.chunks = [dataclasses.replace(c, text=c.text + "（新）") for c in index.chunks]
    index.sentence_vectors = -index.sentence_vectors
    index.save(tmp_path / "newer", generation=index.manifest["generation"] + 1)
    return tmp_path / "newer"


# where a reader is when the build swaps the new index in and deletes the old one
SWAP_MOMENTS = {
    "reading the manifest": "rag.manifest.read_json",
    "checking a file's checksum": "rag.manifest.file_digest",
    "reading the chunks": "rag.index._read_chunks",
    "reading the vectors": "rag.index._read_array",
}


@pytest.mark.parametrize("between_renames", [False, True], ids=["in-place", "between-the-renames"])
@pytest.mark.parametrize("moment", list(SWAP_MOMENTS))
def test_a_reader_caught_by_a_swap_loads_the_new_index_whole(
    monkeypatch, tmp_path, config, newer_index, moment, between_renames
):
    folder = config.index_dir
    backup = folder.with_name(f".{folder.name}.previous")
    tmp = tmp_path / ".index.building-test"
    shutil.copytree(newer_index, tmp)
    if between_renames:  # the build has moved the old folder aside and not yet moved the new one in
        os.replace(folder, backup)

    def finish_the_swap():  # what rag.index's swap does: rename, rename, delete the old folder
        if not between_renames:
            os.replace(folder, backup)
        os.replace(tmp, folder)
        shutil.rmtree(backup)

    module, _, name = SWAP_MOMENTS[moment].rpartition(".")
    original = getattr(sys.modules[module], name)
    swapped = []

    def swap_first(*args, **kwargs):
        if not swapped:
            swapped.append(True)
            finish_the_swap()
        return original(*args, **kwargs)

    monkeypatch.setattr(SWAP_MOMENTS[moment], swap_first)
    index = Index.load(folder)
    newer = Index.load(newer_index)
    assert swapped
    assert index.manifest["build_id"] == newer.manifest["build_id"]
    assert [c.text for c in index.chunks] == [c.text for c in newer.chunks]
    assert np.array_equal(index.sentence_vectors, newer.sentence_vectors)


def test_a_file_that_vanishes_with_the_manifest_unchanged_is_damage_named_in_one_line(monkeypatch, config):
    def gone(path):
        raise FileNotFoundError(2, "No such file or directory", str(path))

    monkeypatch.setattr("rag.manifest.file_digest", gone)
    with pytest.raises(IndexDamagedError, match=r"is missing; rebuild it with `rag index --rebuild`"):
        Index.load(config.index_dir)


@pytest.mark.browser
def test_the_remove_button_in_the_reports_tab_in_a_real_browser(config, encoder):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    from ui.app import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ui = Assistant.load(config, encoder=encoder)
    demo = launch(ui, port=port, block=False)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(chromium),
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--no-first-run",
                ],
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}", wait_until="domcontentloaded")
            page.get_by_role("tab", name="报告 / Reports").click()
            page.click("#pick input")
            page.locator("[role=option]", has_text="西宁").first.click()  # choose it, not just type it
            page.wait_for_function("document.querySelector('#pick input').value.includes('西宁')", timeout=10_000)
            page.click("#remove")
            page.wait_for_function("document.querySelector('#status').innerText.includes('Removed')", timeout=120_000)
            assert "xining-2020" in page.inner_text("#status")
            browser.close()
    finally:
        demo.close()
    assert "xining-2020" not in Index.load(config.index_dir).reports
    assert [r.report_id for r in Library(config.library).removed()] == ["xining-2020"]
