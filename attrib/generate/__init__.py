"""Generate code with a causal LM and attribute every output line while it is written.

``attrib generate`` is built from these modules, each with one job:

* :mod:`.model` -- load a model and tokenizer (``from_pretrained``), pick the device;
* :mod:`.prompt` -- completion and fill-in-the-middle prompts, the resulting document;
* :mod:`.decode` -- token-by-token generation with a hook and bannable continuations;
* :mod:`.watch` -- streaming attribution of completed lines on a background thread;
* :mod:`.generator` -- :func:`generate`: the loop, and the ``report|block|avoid`` policy.

Importing this package does not import torch; :func:`.model.load` does, and explains
how to install it when it is missing.
"""
from .decode import Sampling
from .generator import ON_MATCH, Avoided, Generation, RolledBack, TextAdded, generate, generation_report
from .model import DEFAULT_MODEL, LoadedModel, ModelError, load
from .prompt import Prompt
from .watch import Finding

__all__ = ["generate", "generation_report", "load", "Prompt", "Sampling", "Generation", "Avoided", "Finding",
           "TextAdded", "RolledBack", "LoadedModel", "ModelError", "ON_MATCH", "DEFAULT_MODEL"]
