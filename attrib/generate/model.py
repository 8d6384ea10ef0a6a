"""Load a causal language model and its tokenizer with ``transformers``.

:func:`load` is the only place attrib touches ``from_pretrained``: the default
checkpoint ``bigcode/starcoderbase-1b`` (gated on the Hugging Face hub), any other hub
id, or a local directory saved with ``save_pretrained`` (such as
``examples/tiny-starcoder``) all go through the same path. Everything that can go wrong
becomes a :class:`ModelError` that says what to do, never a traceback:

* torch or transformers missing -> how to install the ``model`` extra
  (:class:`~attrib.errors.MissingExtra`);
* the hub cannot be reached, the licence is not accepted, or no token is set -> the
  three ways to fix it;
* a directory that holds no model, or a model that is not a causal LM.

The device is picked by :func:`pick_device`: CUDA in bfloat16 when a GPU is there
(float16 on GPUs without bf16), else the CPU in float32.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attrib.errors import AttribError, MissingExtra

DEFAULT_MODEL = "bigcode/starcoderbase-1b"
FIM_TOKENS = ("<fim_prefix>", "<fim_suffix>", "<fim_middle>")
DTYPES = ("auto", "float32", "bfloat16", "float16")

class ModelError(AttribError):
    """The model could not be loaded or used; the message names the fix."""


@dataclass
class LoadedModel:
    """A model ready to generate: the ``transformers`` model and tokenizer, where it runs
    and in which precision, and the special token ids attrib needs."""

    name: str
    model: Any
    tokenizer: Any
    device: str
    dtype: str
    eos_id: int | None
    bos_id: int | None
    fim_ids: tuple[int, int, int] | None  # prefix, suffix, middle; None without FIM tokens
    max_positions: int | None

    def describe(self) -> str:
        return f"{self.name} on {self.device} ({self.dtype})"


def require_torch() -> None:
    """Raise :class:`MissingExtra` (the install command) when the model extra is missing."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        raise MissingExtra("model", "attrib generate (torch and transformers)") from None


def pick_device(device: str = "auto", dtype: str = "auto") -> tuple[str, str]:
    """(device, dtype) to run on: ``auto`` means CUDA with bfloat16 when there is a GPU
    (float16 if it lacks bf16), else CPU with float32."""
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"--device {device}: no CUDA GPU is visible to torch "
                         f"(torch {torch.__version__}); use --device cpu")
    try:
        torch.device(device)
    except (RuntimeError, ValueError):
        raise ModelError(f"--device {device}: not a device torch knows; use auto, cpu, cuda or cuda:N") from None
    if dtype not in DTYPES:
        raise ModelError(f"--dtype {dtype}: choose one of {', '.join(DTYPES)}")
    if dtype == "auto":
        if device.startswith("cuda"):
            dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        else:
            dtype = "float32"
    return device, dtype


def load(name: str = DEFAULT_MODEL, *, device: str = "auto", dtype: str = "auto") -> LoadedModel:
    """Load ``name`` (a hub id or a local directory) for generation.

    Raises :class:`ModelError` with a fix for every failure a user can cause.
    """
    require_torch()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    local = Path(name).expanduser()
    is_local = local.exists()
    if is_local and not (local / "config.json").is_file():
        raise ModelError(f"--model {name}: this directory holds no model (no config.json); "
                         f"pass a directory written by save_pretrained, or a hub id such as {DEFAULT_MODEL}")
    if not is_local and (name.startswith((".", "/", "~")) or name.count("/") > 1):
        raise ModelError(f"--model {name}: no such directory")
    device, dtype = pick_device(device, dtype)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # attrib shows its own status while loading
    source = str(local) if is_local else name
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=getattr(torch, dtype))
    except (OSError, ValueError, KeyError) as e:
        raise ModelError(_explain(name, is_local, e)) from None
    model.to(device)  # type: ignore[arg-type]  # transformers types to() for a model; a device name is fine
    model.eval()
    vocab = tokenizer.get_vocab()
    fim = tuple(vocab.get(t) for t in FIM_TOKENS)
    config = model.config
    return LoadedModel(
        name=name, model=model, tokenizer=tokenizer, device=device, dtype=dtype,
        eos_id=tokenizer.eos_token_id if tokenizer.eos_token_id is not None else config.eos_token_id,
        bos_id=tokenizer.bos_token_id,
        fim_ids=fim if None not in fim else None,  # type: ignore[arg-type]
        max_positions=getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None),
    )


def _explain(name: str, is_local: bool, error: Exception) -> str:
    """One message for a failed ``from_pretrained``, with the steps that fix it."""
    reason = _first_line(error)
    if is_local:
        return f"cannot load the model in {name}: {reason}"
    token = "HF_TOKEN is set" if os.environ.get("HF_TOKEN") else "no HF_TOKEN is set"
    offline = " (HF_HUB_OFFLINE is set, so the hub was not asked)" if os.environ.get("HF_HUB_OFFLINE") else ""
    return (f"cannot load {name} from the Hugging Face hub{offline}: {reason}\n"
            f"  {name} may be gated and {token}. To fix it:\n"
            f"  1. accept the model's licence at https://huggingface.co/{name}\n"
            f"  2. log in with `huggingface-cli login`, or export HF_TOKEN=<a read token>\n"
            f"  3. or, without network access, copy the model to a directory and pass --model DIR")


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    line = text.splitlines()[0]
    return line if len(line) <= 300 else line[:297] + "..."
