"""Generate code with a causal LM and attribute every output line while it is written.

``attrib generate`` is built from these modules, each with one job:

* :mod:`.model` -- load a model and tokenizer (``from_pretrained``), pick the device;
* :mod:`.prompt` -- completion and fill-in-the-middle prompts, the resulting document;
* :mod:`.decode` -- token-by-token generation with a hook and bannable continuations;
* :mod:`.watch` -- streaming attribution of completed lines on a background thread;
* :mod:`.generator` -- :func:`generate`: the loop, and the ``report|block|avoid`` policy.

Importing this package does not import torch; :func:`.model.load` does, and explains
how to install it when it is missing. Its names are imported from their modules when
first used, so that importing the package (or :mod:`.model` alone) is cheap.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .modes import MAX_TRIES, ON_MATCH

if TYPE_CHECKING:
    from attrib.report import Avoided, Finding

    from .decode import Sampling
    from .generator import Generation, RolledBack, TextAdded, generate, generation_report
    from .model import DEFAULT_MODEL, LoadedModel, ModelError, load
    from .prompt import Prompt

_WHERE = {"Avoided": "attrib.report", "Finding": "attrib.report", "Sampling": ".decode",
          "Generation": ".generator", "RolledBack": ".generator", "TextAdded": ".generator",
          "generate": ".generator", "generation_report": ".generator", "DEFAULT_MODEL": ".model",
          "LoadedModel": ".model", "ModelError": ".model", "load": ".model", "Prompt": ".prompt"}

__all__ = ["generate", "generation_report", "load", "Prompt", "Sampling", "Generation", "Avoided", "Finding",
           "TextAdded", "RolledBack", "LoadedModel", "ModelError", "ON_MATCH", "MAX_TRIES", "DEFAULT_MODEL"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module 'attrib.generate' has no attribute {name!r}")
