"""Build the tiny StarCoder-like model that tests and the demo of `attrib generate` use.

No model hub is reachable from the project's machines, so the project makes its own
small checkpoint with StarCoderBase's shape of things, loaded through the very same
``from_pretrained`` path as ``bigcode/starcoderbase-1b``:

* a byte-level BPE tokenizer trained with ``tokenizers`` on the bundled Stack sample
  (real code), with StarCoder's special tokens ``<|endoftext|>``, ``<fim_prefix>``,
  ``<fim_middle>``, ``<fim_suffix>``, ``<fim_pad>``;
* a 2-layer GPTBigCode model (multi-query attention, like StarCoderBase), trained until it
  has memorised a few files of the sample verbatim, as plain text and in
  fill-in-the-middle form (prefix-suffix-middle, StarCoder's FIM format), so that
  generating from a memorised file's first lines reproduces the rest of it: a training-data
  copy for attrib to find.

    python scripts/make_tiny_model.py                 # writes examples/tiny-starcoder/
    python scripts/make_tiny_model.py --out DIR --steps 800

Needs the model extra (``pip install -e '.[model]'``). Deterministic for a given seed,
torch version and machine.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "stack-sample" / "data" / "python" / "train-00000-of-00001.parquet"
SPECIAL = ["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>"]
# Memorised files (repo, path): one per license kind the tests need.
MEMORISE = [
    ("psf/requests", "requests/structures.py"),         # Apache-2.0: permissive, asks for a notice
    ("chardet/chardet", "chardet/utf8prober.py"),       # LGPL-2.1-or-later: copyleft-limited
    ("pallets/itsdangerous", "src/itsdangerous/url_safe.py"),  # BSD-3-Clause: permissive
]


def sample_rows() -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(SAMPLE).to_pylist()


def train_tokenizer(texts: list[str], vocab_size: int):
    """A byte-level BPE tokenizer, wrapped for ``transformers``."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL,
                            show_progress=False)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>", pad_token="<|endoftext|>",
                                   additional_special_tokens=SPECIAL[1:], model_max_length=2048)


def fim_splits(text: str) -> list[tuple[int, int]]:
    """The line ranges (0-based, end exclusive) whose fill-in-the-middle is trained: the
    middle third and the second quarter of the file. A model this small memorises FIM at
    fixed places, not at every place."""
    n = len(text.splitlines())
    return [(n // 3, 2 * n // 3), (n // 4, n // 2)]


def fim_example(text: str, split: tuple[int, int]) -> str:
    """Prefix-suffix-middle around lines ``split`` (StarCoder's FIM format)."""
    lines = text.splitlines(keepends=True)
    a, b = split
    prefix, middle, suffix = "".join(lines[:a]), "".join(lines[a:b]), "".join(lines[b:])
    return f"<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>{middle}<|endoftext|>"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "examples" / "tiny-starcoder")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    try:
        import torch
        from transformers import GPTBigCodeConfig, GPTBigCodeForCausalLM
    except ImportError:
        sys.exit("needs the model extra: pip install -e '.[model]'")
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    rows = sample_rows()
    by_key = {(r["max_stars_repo_name"], r["max_stars_repo_path"]): r for r in rows}
    memorised = [by_key[k]["content"] for k in MEMORISE]
    tok = train_tokenizer([r["content"] for r in rows], args.vocab)
    config = GPTBigCodeConfig(vocab_size=len(tok), n_positions=2048, n_embd=128, n_layer=2, n_head=4,
                              multi_query=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                              pad_token_id=tok.pad_token_id)
    model = GPTBigCodeForCausalLM(config)
    rng = random.Random(args.seed)
    plain = [f"<|endoftext|>{t}<|endoftext|>" for t in memorised]
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.steps, eta_min=3e-4)
    model.train()
    started = time.perf_counter()
    for step in range(args.steps):
        # Half plain files (what completion reproduces), half fill-in-the-middle.
        if rng.random() < 0.5:
            text = rng.choice(plain)
        else:
            source = rng.choice(memorised)
            text = fim_example(source, rng.choice(fim_splits(source)))
        ids = torch.tensor([tok(text)["input_ids"][:2048]])
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {loss.item():.4f}  {time.perf_counter() - started:.0f} s", flush=True)
    model.eval()
    ok = check(model, tok, memorised)
    fim_ok = check_fim(model, tok, memorised)
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tok.save_pretrained(args.out)
    # A class name that transformers 4.x and 5.x both know (5.x writes "TokenizersBackend").
    config_path = args.out / "tokenizer_config.json"
    tok_config = json.loads(config_path.read_text())
    tok_config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(tok_config, indent=2) + "\n")
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 1e6
    print(f"saved to {args.out} ({size:.1f} MB); memorised {ok}/{len(memorised)} files, "
          f"{fim_ok}/{2 * len(memorised)} middles")
    return 0 if ok == len(memorised) else 1


def check(model, tok, memorised: list[str]) -> int:
    """How many memorised files greedy decoding reproduces from their first 3 lines."""
    import torch

    ok = 0
    for text in memorised:
        prompt = "".join(text.splitlines(keepends=True)[:3])
        ids = tok("<|endoftext|>" + prompt, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=2000, do_sample=False, eos_token_id=tok.eos_token_id,
                                 pad_token_id=tok.pad_token_id)
        generated = prompt + tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        same = generated.rstrip() == text.rstrip()
        ok += same
        lines = sum(a == b for a, b in zip(generated.splitlines(), text.splitlines()))
        print(f"  {'ok ' if same else 'MISS'} {lines}/{len(text.splitlines())} lines reproduced")
    return ok


def check_fim(model, tok, memorised: list[str]) -> int:
    """How many trained middles FIM reproduces exactly from the rest of the file."""
    import torch

    ok = total = 0
    for text in memorised:
        for split in fim_splits(text):
            prompt, _, rest = fim_example(text, split).partition("<fim_middle>")
            middle = rest[: -len("<|endoftext|>")]
            ids = tok(prompt + "<fim_middle>", return_tensors="pt")["input_ids"]
            with torch.no_grad():
                out = model.generate(ids, max_new_tokens=1000, do_sample=False, eos_token_id=tok.eos_token_id,
                                     pad_token_id=tok.pad_token_id)
            same = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True) == middle
            ok, total = ok + same, total + 1
            print(f"  {'ok ' if same else 'MISS'} fill-in-the-middle of lines {split[0] + 1}-{split[1]}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
