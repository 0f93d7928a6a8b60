"""The corpus registry and the public corpus API (`load_corpus`, `corpus_info`, `list_corpora`).

Every built-in corpus is a definition file beside this module (`<name>.yaml`, see `ser_hub.corpora.definition`);
wherever a corpus is named, the path of a user's definition file may stand instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets

from ..errors import CorpusError
from ..splits import DEFAULT_PROTOCOL, check_protocol
from . import folder
from .base import CorpusBuilder, CorpusConfig, PreparedCorpus, read_build_record
from .definition import is_definition_file, read_definition
from .spec import CorpusSpec, Extra

DEFINITIONS = Path(__file__).parent


def _discover() -> dict[str, CorpusSpec]:
    """The built-in definitions, each registered under its name (which is its file's name), and `folder`."""
    specs = {}
    for path in sorted(DEFINITIONS.glob("*.yaml")):
        spec = read_definition(path)
        if spec.name != path.stem:
            raise RuntimeError(f"corpus definition {path.name} declares name {spec.name!r}: make them equal.")
        specs[spec.name] = spec
    return {**specs, folder.SPEC.name: folder.SPEC}


REGISTRY: dict[str, CorpusSpec] = _discover()
_CONFIG_FIELDS = {"min_duration"}


def list_corpora() -> list[str]:
    """Names of every registered corpus."""
    return sorted(REGISTRY)


def corpus_info(name: str) -> CorpusSpec:
    """The declarative spec of a corpus (a registered name, or the path of a definition file): language, labels and
    their unified mapping, licence, homepage, notes."""
    if is_definition_file(name):
        return read_definition(name)
    try:
        return REGISTRY[str(name)]
    except KeyError:
        raise CorpusError(
            f"unknown corpus {name!r}; known corpora: {', '.join(list_corpora())}. A corpus of your own loads from a "
            "definition file: pass its path (e.g. mycorpus.yaml); `ser-hub corpora --show urdu` prints one to start from."
        ) from None


def definition_text(name: str) -> str:
    """The definition file of a built-in corpus (or a user's definition file), as text."""
    if is_definition_file(name):
        return Path(name).expanduser().read_text(encoding="utf-8")
    corpus_info(name)
    path = DEFINITIONS / f"{name}.yaml"
    if not path.exists():
        raise CorpusError(f"{name} has no definition file: it is configured by options (see ser_hub.corpora.{name}).")
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class NamedCorpus:
    """A corpus as a command names it: `corpus` is a registered name or a definition file, `data_dir` its data."""

    corpus: str
    data_dir: str


def resolve_corpora(pairs: Iterable[tuple[str, str]]) -> dict[str, NamedCorpus]:
    """(corpus, data_dir) pairs -> {the corpus's name: NamedCorpus}: a definition file is called by its `name`, and
    each corpus may appear once."""
    corpora: dict[str, NamedCorpus] = {}
    for corpus, data_dir in pairs:
        name = corpus_info(corpus).name
        if name in corpora:
            raise CorpusError(
                f"two corpora are called {name!r} ({corpora[name].corpus} and {corpus}); name each corpus once "
                "(a definition file is called by its `name`)."
            )
        corpora[name] = NamedCorpus(str(corpus), str(Path(data_dir).expanduser()))
    if not corpora:
        raise CorpusError("no corpus given: add --corpus NAME=DATA_DIR (repeatable).")
    return corpora


def parse_corpora(items: Iterable[str]) -> dict[str, NamedCorpus]:
    """`NAME=DATA_DIR` or `path/to/definition.yaml=DATA_DIR` arguments -> {the corpus's name: NamedCorpus}."""
    pairs = []
    for item in items:
        corpus, separator, data_dir = item.partition("=")
        if not separator or not corpus or not data_dir:
            raise CorpusError(
                f"--corpus {item!r}: expected NAME=DATA_DIR or DEFINITION.yaml=DATA_DIR, e.g. "
                "--corpus urdu=~/corpora/URDU-Dataset or --corpus ased.yaml=~/corpora/ASED."
            )
        pairs.append((corpus, data_dir))
    return resolve_corpora(pairs)


def get_builder(
    name: str,
    data_dir: str,
    *,
    cache_dir: str | None = None,
    sampling_rate: int | None = 16000,
    progress: bool = True,
    **config: Any,
) -> CorpusBuilder:
    """The datasets builder of one corpus's prepared table; ``config`` holds ``min_duration`` and corpus options."""
    spec = corpus_info(name)
    if spec.status != "available":
        raise CorpusError(
            f"{spec.name} ({spec.title}) has no reader in ser-hub; its notes say why (`ser-hub corpora --show "
            f"{spec.name}`; access: {spec.access or 'unknown'}). If you have the corpus, describe your copy in a "
            "definition file (`ser-hub corpora --show urdu` prints one to start from) and pass the file's path instead "
            "of the name."
        )
    fields = {key: config.pop(key) for key in list(config) if key in _CONFIG_FIELDS}
    builder_class = CorpusBuilder.for_spec(spec)
    return builder_class(
        data_dir=str(data_dir),
        cache_dir=cache_dir,
        sampling_rate=sampling_rate,
        progress=progress,
        corpus_options=config,
        **fields,
    )


def prepare_corpus(
    name: str,
    data_dir: str,
    *,
    cache_dir: str | None = None,
    sampling_rate: int | None = 16000,
    progress: bool = True,
    **config: Any,
) -> PreparedCorpus:
    """Decode a corpus once into its prepared table (cached), from which every split protocol is a view."""
    return PreparedCorpus.build(
        get_builder(name, data_dir, cache_dir=cache_dir, sampling_rate=sampling_rate, progress=progress, **config)
    )


def load_corpus(
    name: str,
    data_dir: str,
    protocol: str = DEFAULT_PROTOCOL,
    *,
    cache_dir: str | None = None,
    sampling_rate: int | None = 16000,
    progress: bool = True,
    **config: Any,
) -> datasets.DatasetDict:
    """Prepare (once, cached) and return a corpus as a DatasetDict whose splits follow ``protocol``.

    ``name`` is a registered corpus (`list_corpora()`) or the path of a definition file (`ser_hub.corpora.definition`).
    The corpus is decoded once per sampling rate and options; every protocol is a view of that one table, so asking
    for another protocol decodes nothing. ``sampling_rate=None`` keeps the original files byte for byte; otherwise
    audio is mono at that rate. ``progress=False`` shows no progress bar. ``config``: ``min_duration`` (seconds,
    default 0.1: shorter files are skipped), ``label_set`` where a corpus defines several, and the ``folder``
    corpus's options. Skipped files and guessed values (labels without a unified emotion, speakers whose files
    disagree on their gender) are reported as `CorpusWarning`s.
    """
    check_protocol(protocol)
    prepared = prepare_corpus(name, data_dir, cache_dir=cache_dir, sampling_rate=sampling_rate, progress=progress,
                              **config)
    prepared.warn()
    return prepared.load(protocol)


__all__ = [
    "REGISTRY", "CorpusBuilder", "CorpusConfig", "CorpusSpec", "Extra", "NamedCorpus", "PreparedCorpus", "corpus_info",
    "definition_text", "get_builder", "list_corpora", "load_corpus", "parse_corpora", "prepare_corpus",
    "read_build_record", "resolve_corpora",
]
