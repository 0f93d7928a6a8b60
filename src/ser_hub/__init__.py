"""ser-hub: speech emotion recognition on the Hugging Face stack.

`import ser_hub` stays light: the functions below load their modules (and datasets) on first use, and
`ser_hub.models` registers the model families with the transformers Auto classes once transformers is imported.
"""

import lazy_loader

from . import models  # noqa: F401  (registers the model families with the transformers Auto classes, lazily)

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__, submod_attrs={"corpora": ["corpus_info", "list_corpora", "load_corpus"], "export": ["export_corpus"]}
)
