"""What streaming attribution costs during generation: ``attrib generate`` with and
without it, on a model with StarCoderBase-1B's exact configuration.

The model is ``GPTBigCodeForCausalLM`` with bigcode/starcoderbase-1b's config (24
layers, 2048 hidden, 16 heads, multi-query attention, 8192 positions, 49,152-token
vocabulary) and random weights: the hub is out of reach here, and timing does not
depend on the weights. Random weights would write random tokens, though, and the cost
of attribution depends on the text (lines per second, copies to align), so the model is
*steered*: after its ``lm_head`` has computed the logits as usual, a forward hook turns
them into a one-hot on the next token of a real file, and greedy decoding writes that
file. Two files are written: one copied from the index (requests' sessions.py from the
bundled Stack sample, so the watcher finds and aligns a real copy on every line) and
one the index has never seen (attrib's own match.py).

Each round times, per file, in alternating order:

* ``baseline``: ``model.generate`` alone, greedy, nothing else;
* ``without``: :func:`attrib.generate.generate` with no store (the same decoding loop,
  token hook and text decoding, no attribution);
* ``with``: :func:`attrib.generate.generate` with the index: streaming attribution of
  every completed line on the watcher thread, and the final attribution of the whole
  document (the report).

Wall-time ratios on a noisy machine blur a cost of a few percent, so the ``with`` runs
also report the time spent matching (``Generation.attribution_seconds``: the watcher's
thread, warm-up included, plus the final report) as a share of their wall time: an
upper bound of what attribution can add, were none of it overlapped with generation.

The tokenizer is a byte-level BPE of StarCoder's size (49,152) trained on the accuracy
benchmark's corpus (real Python), cached in ``bench/data/bpe-49152``.

    python bench/generate.py                          # CPU: 128 tokens, 2 rounds
    python bench/generate.py --device cuda --tokens 512 --rounds 5 --json bench/results/generate-gpu.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from transformers import GPTBigCodeConfig, GPTBigCodeForCausalLM, PreTrainedTokenizerFast  # noqa: E402

from attrib.generate import LoadedModel, Prompt, Sampling, generate  # noqa: E402
from attrib.generate.model import pick_device  # noqa: E402
from attrib.store import open_store  # noqa: E402

SAMPLE = ROOT / "examples" / "stack-sample"
TOKENIZER = HERE / "data" / "bpe-49152"
SPECIAL = ["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>"]
PROMPT_LINES = 6

# bigcode/starcoderbase-1b's config.json, the fields that shape the computation.
STARCODERBASE_1B = dict(vocab_size=49152, n_positions=8192, n_embd=2048, n_layer=24, n_head=16,
                        n_inner=8192, multi_query=True, activation_function="gelu_pytorch_tanh",
                        layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=0)


def tokenizer(corpus: Path | None) -> PreTrainedTokenizerFast:
    """StarCoder-sized byte-level BPE, trained once on real Python and cached."""
    if (TOKENIZER / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(TOKENIZER)
    from tokenizers import ByteLevelBPETokenizer

    from attrib.indexer.sources import open_source

    texts = [raw.data if isinstance(raw.data, str) else raw.data.decode("utf-8", "replace")
             for raw in open_source(str(corpus or SAMPLE))]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=49152, special_tokens=SPECIAL, min_frequency=2)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token=SPECIAL[0], eos_token=SPECIAL[0],
                                  pad_token=SPECIAL[0], additional_special_tokens=SPECIAL[1:])
    tok.save_pretrained(TOKENIZER)
    return tok


def model(device: str, dtype: str) -> GPTBigCodeForCausalLM:
    torch.manual_seed(0)
    config = GPTBigCodeConfig(**STARCODERBASE_1B)
    with torch.device(device):
        m = GPTBigCodeForCausalLM(config).to(getattr(torch, dtype))
    return m.eval()


class Steer:
    """A forward hook on ``lm_head``: logits become a one-hot on the next scripted token."""

    def __init__(self, lm_head: torch.nn.Module) -> None:
        self.script: list[int] = []
        self.step = 0
        lm_head.register_forward_hook(self)

    def start(self, script: list[int]) -> None:
        self.script, self.step = script, 0

    def __call__(self, module, inputs, output):
        token = self.script[min(self.step, len(self.script) - 1)]
        self.step += 1
        output[:, -1, :] = -1e4
        output[:, -1, token] = 1e4
        return output


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--tokens", type=int, default=128, help="new tokens per generation")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--store", help="index to attribute against (default: the bundled sample, indexed here)")
    ap.add_argument("--corpus", type=Path, default=HERE / "data" / "accuracy" / "corpus",
                    help="real code to train the tokenizer on (first run only)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    device, dtype = pick_device(args.device, args.dtype)
    store_path = args.store or str(HERE / "data" / "generate-index.db")
    if not Path(store_path).exists():
        from attrib.indexer import pipeline
        from attrib.indexer.sources import open_source

        with open_store(store_path, mode="create") as s:
            pipeline.run(open_source(str(SAMPLE)), s)
    tok = tokenizer(args.corpus if args.corpus.exists() else None)
    started = time.perf_counter()
    m = model(device, dtype)
    built = time.perf_counter() - started
    lm = LoadedModel(name="starcoderbase-1b config, random weights", model=m, tokenizer=tok, device=device,
                     dtype=dtype, eos_id=tok.eos_token_id, bos_id=tok.bos_token_id,
                     fim_ids=None, max_positions=STARCODERBASE_1B["n_positions"])
    steer = Steer(m.lm_head)
    import pyarrow.parquet as pq

    rows = pq.read_table(SAMPLE / "data" / "python").to_pylist()
    copied = next(r["content"] for r in rows if r["max_stars_repo_path"] == "requests/sessions.py")
    texts = {"copied": copied, "novel": (ROOT / "attrib" / "match.py").read_text()}
    store = open_store(store_path)
    results: dict[str, dict[str, list[float]]] = {name: {"baseline": [], "without": [], "with": []} for name in texts}
    info: dict[str, dict] = {}
    matching: dict[str, list[float]] = {name: [] for name in texts}  # attribution time / wall time
    for round_ in range(args.rounds + 1):  # round 0 warms up and is not counted
        for name, text in texts.items():
            prompt = "".join(text.splitlines(keepends=True)[:PROMPT_LINES])
            context = [tok.bos_token_id, *tok(prompt, add_special_tokens=False)["input_ids"]]
            script = tok(text[len(prompt):], add_special_tokens=False)["input_ids"][: args.tokens]
            modes = ["baseline", "without", "with"]
            if round_ % 2:
                modes.reverse()
            for mode in modes:
                steer.start(script)
                sync()
                t = time.perf_counter()
                if mode == "baseline":
                    ids = torch.tensor([context], device=device)
                    with torch.inference_mode():
                        m.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=len(script),
                                   do_sample=False, eos_token_id=None, pad_token_id=0)
                    gen = None
                else:
                    gen = generate(lm, Prompt(text=prompt), store if mode == "with" else None,
                                   sampling=Sampling(max_new_tokens=len(script)), lang="Python")
                sync()
                elapsed = time.perf_counter() - t
                if gen is not None:
                    assert gen.tokens == len(script), (gen.tokens, len(script))
                if round_:
                    results[name][mode].append(elapsed)
                if gen is not None and mode == "with":
                    info[name] = {"tokens": gen.tokens, "lines": gen.completion.count("\n"),
                                  "chars_per_token": round(len(gen.completion) / gen.tokens, 2),
                                  "matches": len(gen.matches)}
                    if round_:
                        matching[name].append(gen.attribution_seconds / elapsed)
            if round_:
                r = results[name]
                print(f"round {round_} {name}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in r.items()), flush=True)
    summary = {}
    for name, r in results.items():
        med = {k: statistics.median(v) for k, v in r.items()}
        n = info[name]["tokens"]
        summary[name] = {
            **info[name],
            "seconds": {k: round(v, 3) for k, v in med.items()},
            "tokens_per_s": {k: round(n / v, 2) for k, v in med.items()},
            "overhead_with_vs_without": round(med["with"] / med["without"] - 1, 4),
            "overhead_with_vs_baseline": round(med["with"] / med["baseline"] - 1, 4),
            "attribution_share": round(statistics.median(matching[name]), 4),
            "all_seconds": r,
        }
    out = {"device": device_name(device), "dtype": dtype, "tokens": args.tokens, "rounds": args.rounds,
           "model_build_s": round(built, 1), "torch": torch.__version__, "results": summary}
    print(json.dumps({k: v for k, v in out.items()}, indent=1))
    print("\n| text | tokens | lines | tok/s baseline | tok/s without | tok/s with | with/without | matching time |")
    print("|---|---|---|---|---|---|---|---|")
    for name, s in summary.items():
        t = s["tokens_per_s"]
        print(f"| {name} ({s['matches']} matches) | {s['tokens']} | {s['lines']} | {t['baseline']} | {t['without']} "
              f"| {t['with']} | {s['overhead_with_vs_without']:+.1%} | {s['attribution_share']:.1%} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(0)
    import os

    return f"cpu ({os.cpu_count()} cores)"


if __name__ == "__main__":
    sys.exit(main())
