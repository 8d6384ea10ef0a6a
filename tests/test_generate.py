"""``attrib generate`` end to end, through the real ``from_pretrained`` path.

The model is ``examples/tiny-starcoder``: a real GPTBigCode checkpoint (multi-query
attention, StarCoder's FIM tokens) made by ``scripts/make_tiny_model.py``, which
memorised three files of the bundled Stack sample under three kinds of license:
psf/requests' structures.py (Apache-2.0, permissive: needs a notice), chardet's
utf8prober.py (LGPL-2.1-or-later, copyleft-limited: the default policy denies it) and
itsdangerous' url_safe.py (BSD-3-Clause). The index is the sample, built by the real
``attrib index``. Nothing here is mocked except the one fault that cannot be caused
for real on a machine that has torch: torch missing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the model extra is not installed: pip install -e '.[model]'")

from attrib.generate import Prompt, Sampling, generate, generation_report, load  # noqa: E402
from attrib.generate.decode import Bans, TokenText  # noqa: E402
from attrib.generate.model import ModelError  # noqa: E402
from attrib.formats.json import report_dict  # noqa: E402
from attrib.report import Finding, IndexInfo  # noqa: E402
from attrib.licenses import describe  # noqa: E402
from attrib.match import attribute  # noqa: E402
from attrib.store import open_store  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from make_tiny_model import fim_splits  # noqa: E402
from test_cli import SAMPLE, attrib, ok, sample_rows, validate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny-starcoder"
REQUESTS = ("psf/requests", "requests/structures.py")      # Apache-2.0
CHARDET = ("chardet/chardet", "chardet/utf8prober.py")      # LGPL-2.1-or-later
ITSDANGEROUS = ("pallets/itsdangerous", "src/itsdangerous/url_safe.py")  # BSD-3-Clause
ALL = 2000  # tokens: enough for any memorised file


def content(key: tuple[str, str]) -> str:
    return sample_rows()[key]["content"]


def head(key: tuple[str, str], n: int = 3) -> str:
    return "".join(content(key).splitlines(keepends=True)[:n])


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("generate")


@pytest.fixture(scope="module")
def env(work) -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("ATTRIB_STORE", "ATTRIB_MODEL")}
    e["XDG_DATA_HOME"] = str(work / "xdg")
    e["HF_HUB_OFFLINE"] = "1"  # no hub here: fail at once instead of retrying for a minute
    return e


@pytest.fixture(scope="module")
def store_path(work, env) -> Path:
    path = work / "sample.db"
    ok(attrib("index", SAMPLE, store=path, env=env))
    return path


@pytest.fixture(scope="module")
def store(store_path):
    with open_store(str(store_path)) as s:
        yield s


@pytest.fixture(scope="module")
def lm():
    return load(str(TINY))


# --------------------------------------------------------------------------- library


def test_loads_through_from_pretrained_on_cpu(lm):
    assert lm.model.config.model_type == "gpt_bigcode" and lm.model.config.multi_query
    assert (lm.device, lm.dtype) == ("cpu", "float32")  # no GPU here: auto picks the CPU
    assert lm.fim_ids is not None and lm.eos_id is not None


def test_completion_reports_the_memorised_file_for_its_generated_lines(lm, store):
    text = content(REQUESTS)
    seen_at: list[int] = []
    tokens = []

    def listen(event):
        if isinstance(event, Finding):
            seen_at.append(len(tokens))
        else:
            tokens.append(event)

    gen = generate(lm, Prompt(text=head(REQUESTS)), store, sampling=Sampling(max_new_tokens=ALL),
                   path="structures.py", listener=listen)
    assert gen.document == text and gen.stop_reason == "eos"
    n = len(text.splitlines())
    assert gen.generated_lines == (4, n)
    # The copy starts in the prompt: it is reported whole, and for its generated part.
    [match] = gen.matches
    assert (match.start_line, match.end_line) == (1, n)
    assert (match.best.repo, match.best.path, match.best.start_line, match.best.end_line) == (*REQUESTS, 1, n)
    assert match.best.licenses == ("Apache-2.0",)
    # Streaming: the copy was announced while the model was still writing (the watcher
    # first warms up while the tiny model races ahead, so "early" is loose on a busy CI).
    assert seen_at and seen_at[0] < len(tokens) / 2
    report = report_dict(generation_report(gen, IndexInfo("sample", 113), path="structures.py"))
    validate(report)
    entry = report["files"][0]
    assert entry["generated"] == {"start_line": 4, "end_line": n}
    assert entry["matches"][0]["generated"] == {"start_line": 4, "end_line": n}
    assert entry["matched_lines"] == n - 3 and entry["verdict"] == "notice"


def test_final_report_is_the_scan_of_the_final_text(lm, store):
    gen = generate(lm, Prompt(text=head(ITSDANGEROUS)), store, sampling=Sampling(max_new_tokens=300),
                   path="url_safe.py")
    first, last = gen.generated_lines
    scanned = [m for m in attribute(gen.document, store, path="url_safe.py")
               if m.end_line >= first and m.start_line <= last]
    assert gen.matches == scanned and scanned


def test_fill_in_the_middle_attributes_the_middle(lm, store):
    text = content(ITSDANGEROUS)
    lines = text.splitlines(keepends=True)
    start, end = fim_splits(text)[0]
    prompt = Prompt(prefix="".join(lines[:start]), suffix="".join(lines[end:]))
    gen = generate(lm, prompt, store, sampling=Sampling(max_new_tokens=ALL), path="url_safe.py")
    assert gen.completion == "".join(lines[start:end]) and gen.document == text
    assert gen.generated_lines == (start + 1, end)
    assert gen.matches, "the filled-in middle is a copy"
    for m in gen.matches:
        assert m.end_line >= start + 1 and m.start_line <= end
        assert (m.best.repo, m.best.path) == ITSDANGEROUS
        assert describe(m.best.licenses).ids == ("BSD-3-Clause",)


def test_block_stops_at_a_denied_copy(lm, store):
    full = generate(lm, Prompt(text=head(CHARDET)), store, sampling=Sampling(max_new_tokens=ALL),
                    path="utf8prober.py")
    assert not full.blocked and full.denied, "report mode writes everything"
    gen = generate(lm, Prompt(text=head(CHARDET)), store, sampling=Sampling(max_new_tokens=ALL),
                   path="utf8prober.py", on_match="block")
    assert gen.blocked and gen.stop_reason == "stopped"
    assert gen.tokens < full.tokens, "generation stopped once the copy was seen"
    assert {(m.best.repo, m.best.path) for m in gen.denied} == {CHARDET}


def test_avoid_steers_away_from_the_denied_copy(lm, store):
    gen = generate(lm, Prompt(text=head(CHARDET)), store, sampling=Sampling(max_new_tokens=ALL),
                   path="utf8prober.py", on_match="avoid")
    assert not gen.blocked
    assert gen.avoided and (gen.avoided[0].source.repo, gen.avoided[0].source.path) == CHARDET
    assert gen.avoided[0].verdict == "fail"
    assert gen.denied == [], "no denied copy is left in the output"
    assert all((m.best.repo, m.best.path) != CHARDET for m in gen.matches)
    assert content(CHARDET).splitlines()[3] not in gen.completion.splitlines()[:1]


def test_avoid_blocks_when_out_of_tries(lm, store):
    gen = generate(lm, Prompt(text=head(CHARDET)), store, sampling=Sampling(max_new_tokens=ALL),
                   path="utf8prober.py", on_match="avoid", max_tries=0)
    assert gen.blocked and not gen.avoided


def test_sampling_is_repeatable_with_a_seed(lm, store):
    runs = [generate(lm, Prompt(text="def "), None, sampling=Sampling(max_new_tokens=40, temperature=1.0,
                                                                      top_p=0.9, seed=seed))
            for seed in (7, 7, 8)]
    assert runs[0].completion == runs[1].completion != runs[2].completion


def test_prompt_longer_than_the_context_is_refused(lm, store):
    with pytest.raises(ModelError, match="reads at most 2048"):
        generate(lm, Prompt(text="x = 1\n" * 2000), store)


def test_token_text_waits_for_split_characters_and_truncates(lm):
    ids = lm.tokenizer("é€ x", add_special_tokens=False)["input_ids"]
    out = TokenText(lm.tokenizer)
    pieces = [out.append(i) for i in ids]
    assert "".join(pieces) == out.text == "é€ x"
    assert "\ufffd" not in "".join(pieces)
    out.truncate(out.tokens_before(len("é")))
    assert out.text == "é"


def test_bans_forbid_only_the_banned_continuation():
    bans = Bans(k=2)
    bans.add([1, 2, 3, 4])
    assert bans.after([9, 1, 2]) == {3} and bans.after([2, 3]) == {4}
    assert bans.after([2, 1]) == set() and bans.after([2]) == set()


def test_fim_and_completion_documents():
    p = Prompt(prefix="a\nb", suffix="\nz\n")
    assert p.fim and p.document("c\nd") == "a\nbc\nd\nz\n"
    assert p.generated_lines("c\nd") == (2, 3)
    assert Prompt(text="x\n").generated_lines("y\n") == (2, 2)
    assert Prompt(text="x").generated_lines("") is None


# --------------------------------------------------------------------------- command line


def test_cli_json_report_equals_scan_and_writes_notices(work, env, store_path):
    head_file = work / "head.py"
    head_file.write_text(head(REQUESTS))
    out, notice = work / "structures.py", work / "NOTICE.md"
    done = ok(attrib("generate", "-m", TINY, "--prompt-file", head_file, "-n", ALL, "-o", out,
                     "--format", "json", "--notice", notice, store=store_path, env=env))
    report = json.loads(done.stdout)
    validate(report)
    assert out.read_text() == content(REQUESTS)
    assert report["generation"]["completion"] == content(REQUESTS)[len(head(REQUESTS)):]
    scan = json.loads(ok(attrib("scan", out, "--format", "json", store=store_path, env=env)).stdout)
    lines = report["files"][0]["generated"]
    expected = [m for m in scan["files"][0]["matches"]
                if m["query"]["end_line"] >= lines["start_line"] and m["query"]["start_line"] <= lines["end_line"]]
    got = [{k: v for k, v in m.items() if k != "generated"} for m in report["files"][0]["matches"]]
    assert got == expected and got
    assert report["files"][0]["verdict"] == scan["files"][0]["verdict"] == "notice"
    text = notice.read_text()
    assert "## psf/requests — requests/structures.py" in text and "Apache-2.0" in text
    assert f"https://github.com/psf/requests/blob/{sample_rows()[REQUESTS]['max_stars_repo_head_hexsha']}/" in text
    # Again: the notice is not duplicated.
    ok(attrib("generate", "-m", TINY, "--prompt-file", head_file, "-n", 50, "--notice", notice,
              store=store_path, env=env))
    assert notice.read_text().count("## psf/requests — requests/structures.py") == 1
    assert text.count("### Apache-2.0 — Apache License 2.0") == 1 and "TERMS AND CONDITIONS FOR USE" in text
    assert str(work) not in text  # "Used in" is never an absolute path


def test_cli_sbom_formats_of_a_generation(work, env, store_path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    report = work / "generated.cdx.json"
    spdx = json.loads(ok(attrib("generate", "-m", TINY, "-p", head(REQUESTS), "-n", ALL, "--format", "spdx",
                                store=store_path, env=env)).stdout)
    assert validate_full_spdx_document(JsonLikeDictParser().parse(spdx)) == []
    sources = {f["SPDXID"]: f["fileName"] for f in spdx["files"]}
    assert "./psf/requests/requests/structures.py" in {sources[s["snippetFromFile"]] for s in spdx["snippets"]}
    ok(attrib("generate", "-m", TINY, "-p", head(REQUESTS), "-n", ALL, "--format", "cyclonedx",
              "--report", report, store=store_path, env=env))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(report.read_text()) is None
    assert "psf/requests" in {c["group"] for c in json.loads(report.read_text())["components"]}


def test_cli_streams_text_from_stdin(env, store_path):
    done = ok(attrib("generate", "-m", TINY, "--lang", "Python", "-n", ALL, input=head(REQUESTS),
                     store=store_path, env=env))
    assert done.stdout.strip() == content(REQUESTS)[len(head(REQUESTS)):].strip()
    assert "↳ L1–" in done.stderr and "psf/requests › requests/structures.py" in done.stderr
    assert "Apache-2.0" in done.stderr


def test_cli_block_withholds_the_output(work, env, store_path):
    out = work / "blocked.py"
    done = attrib("generate", "-m", TINY, "-p", head(CHARDET), "--lang", "Python", "-n", ALL,
                  "--on-match", "block", "-o", out, store=store_path, env=env)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "blocked" in done.stderr
    assert done.stdout == "" and not out.exists()
    assert "LGPL-2.1-or-later" in done.stderr


def test_cli_fim_markdown(work, env, store_path):
    text = content(ITSDANGEROUS)
    lines = text.splitlines(keepends=True)
    start, end = fim_splits(text)[1]
    (work / "pre.py").write_text("".join(lines[:start]))
    (work / "suf.py").write_text("".join(lines[end:]))
    done = ok(attrib("generate", "-m", TINY, "--prefix-file", work / "pre.py", "--suffix-file", work / "suf.py",
                     "-n", ALL, "--format", "markdown", store=store_path, env=env))
    assert "pallets/itsdangerous › src/itsdangerous/url\\_safe\\.py" in done.stdout
    assert "BSD\\-3\\-Clause" in done.stdout
    assert "".join(lines[start:end]).strip() in done.stdout


@pytest.mark.parametrize("args, message", [
    (["-m", "bigcode/starcoderbase-1b", "-p", "x"], "accept the model's licence"),
    (["-m", "/no/such/model", "-p", "x"], "no such directory"),
    (["-m", str(ROOT / "examples"), "-p", "x"], "holds no model"),
    (["-m", str(TINY), "-p", "x", "--prefix", "y"], "not both"),
    (["-m", str(TINY), "--prompt-file", "/no/such/file.py"], "cannot read"),
    (["-m", str(TINY), "-p", "x", "-o", "/no/such/dir/out.py"], "does not exist"),
    (["-m", str(TINY), "-p", "x", "--temperature", "-1"], "temperature"),
])
def test_cli_bad_input_exits_2(args, message, env, store_path):
    done = attrib("generate", *args, store=store_path, env=env)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_cli_empty_store_exits_2(work, env):
    done = attrib("generate", "-m", TINY, "-p", "x", store=work / "none.db", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not (work / "none.db").exists()


def test_cli_without_torch_explains_the_install(env, store_path):
    # torch is installed here; hide it the way a missing package fails (ImportError).
    code = "import sys; sys.modules['torch'] = None; from attrib.cli.main import main; sys.argv[0] = 'attrib'; main()"
    done = subprocess.run([sys.executable, "-c", code, "--store", str(store_path), "generate", "-p", "x"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "pip install 'attrib[model]'" in done.stderr and "Traceback" not in done.stderr


def test_cli_on_elasticsearch_gives_the_same_report(es_node, work, env, lm, store):
    url = es_node.store_url()
    es_env = {**env, **es_node.env()}
    try:
        ok(attrib("index", SAMPLE, store=url, env=es_env))
        done = ok(attrib("generate", "-m", TINY, "-p", head(CHARDET), "--lang", "Python", "-n", ALL,
                         "--format", "json", store=url, env=es_env))
    finally:
        es_node.delete_index(url)
    elastic = json.loads(done.stdout)
    gen = generate(lm, Prompt(text=head(CHARDET)), store, sampling=Sampling(max_new_tokens=ALL), lang="Python")
    local = report_dict(generation_report(gen, IndexInfo("sample", 113)))
    assert elastic["files"][0]["matches"] == local["files"][0]["matches"]
    assert elastic["files"][0]["verdict"] == "fail"
    assert elastic["generation"]["completion"] == gen.completion
