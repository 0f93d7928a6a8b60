"""The corpus registry and the public corpus API (`load_corpus`, `corpus_info`, `list_corpora`)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import datasets

from ..errors import CorpusError
from ..splits import DEFAULT_PROTOCOL, check_protocol
from .base import CorpusBuilder, CorpusConfig, PreparedCorpus, read_build_record
from .spec import CorpusSpec, Extra


def _discover() -> dict[str, CorpusSpec]:
    """Every module of this package that declares a ``SPEC`` is a corpus, registered under the spec's name."""
    specs = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, CorpusSpec):
            if spec.name != module_info.name:
                raise RuntimeError(f"corpus module {module_info.name} declares SPEC.name {spec.name!r}: make them equal.")
            specs[spec.name] = spec
    return specs


REGISTRY: dict[str, CorpusSpec] = _discover()
_CONFIG_FIELDS = {"min_duration"}


def list_corpora() -> list[str]:
    """Names of every registered corpus."""
    return sorted(REGISTRY)


def corpus_info(name: str) -> CorpusSpec:
    """The declarative spec of a corpus: language, labels and their unified mapping, licence, homepage, notes."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise CorpusError(f"unknown corpus {name!r}; known corpora: {', '.join(list_corpora())}.") from None


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

    The corpus is decoded once per sampling rate and options; every protocol is a view of that one table, so asking
    for another protocol decodes nothing. ``sampling_rate=None`` keeps the original files byte for byte; otherwise
    audio is mono at that rate. ``progress=False`` shows no progress bar.
    """
    check_protocol(protocol)
    prepared = prepare_corpus(name, data_dir, cache_dir=cache_dir, sampling_rate=sampling_rate, progress=progress,
                              **config)
    return prepared.load(protocol)


__all__ = [
    "REGISTRY", "CorpusBuilder", "CorpusConfig", "CorpusSpec", "Extra", "PreparedCorpus", "corpus_info", "get_builder",
    "list_corpora", "load_corpus", "prepare_corpus", "read_build_record",
]
