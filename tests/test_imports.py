"""Light imports: `import ser_hub`, `ser_hub.metrics` and the CLI parser load no heavy library.

The model families still reach the transformers Auto classes in every import order; each case runs in a fresh
interpreter, since an import happens once per process.
"""

import json
import os
import subprocess
import sys

import pytest

import ser_hub

HEAVY = ("torch", "transformers", "datasets", "sklearn")

# Fails unless every ser-hub model type is registered with each Auto class it belongs to.
CHECK_REGISTERED = """
from transformers import AutoConfig
from transformers.models.auto.feature_extraction_auto import FEATURE_EXTRACTOR_MAPPING
from transformers.models.auto.modeling_auto import MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING, MODEL_MAPPING
for model_type in ("byol", "byol_cvt", "emonet", "mtl_wav2vec2"):
    config_class = type(AutoConfig.for_model(model_type))
    assert config_class.__module__.startswith("ser_hub.models."), config_class
    for mapping in (MODEL_MAPPING, MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING, FEATURE_EXTRACTOR_MAPPING):
        assert mapping[config_class].__module__.startswith("ser_hub.models."), (model_type, mapping[config_class])
print("registered")
"""


def run_fresh(code: str) -> str:
    """Run `code` in a new interpreter and return its stdout; fail with its stderr when it fails."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                               timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return completed.stdout


def imported_after(statement: str) -> list[str]:
    """The heavy libraries in sys.modules after `statement` runs in a fresh interpreter."""
    code = f"import json, sys\n{statement}\nprint(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))"
    return json.loads(run_fresh(code).splitlines()[-1])


def test_import_ser_hub_loads_no_heavy_library():
    assert imported_after("import ser_hub") == []


def test_metrics_load_neither_torch_nor_transformers():
    assert set(imported_after("import ser_hub.metrics")) <= {"sklearn"}


def test_building_the_cli_parser_loads_no_heavy_library():
    assert imported_after("from ser_hub.cli import build_parser\nbuild_parser()") == []


def test_the_serab_search_workers_load_neither_torch_nor_datasets():
    # each worker process of the SERAB search imports this module to run its fits
    assert imported_after("import ser_hub.protocols.serab") == ["sklearn"]


def test_public_names_load_on_first_access():
    from ser_hub import corpora, export

    assert ser_hub.__all__ == ["corpus_info", "export_corpus", "list_corpora", "load_corpus"]
    assert dir(ser_hub) == ser_hub.__all__
    for name in ("corpus_info", "list_corpora", "load_corpus"):
        assert getattr(ser_hub, name) is getattr(corpora, name)
    assert ser_hub.export_corpus is export.export_corpus
    assert ser_hub.__version__ == "0.1.0"
    assert not hasattr(ser_hub, "no_such_name")


@pytest.mark.parametrize(
    "imports",
    [
        "import ser_hub\nfrom transformers import AutoModel, AutoConfig",
        "from transformers import AutoConfig\nimport ser_hub",
        # transformers imports its auto modules from its own half-imported modules here
        "import ser_hub\nfrom transformers import Wav2Vec2Model",
        # peft imports transformers while peft itself is half-imported
        "import ser_hub\nimport peft",
        # the family's own import is what pulls transformers in
        "from ser_hub.models.mtl_wav2vec2 import MtlWav2Vec2Model",
    ],
    ids=["ser_hub-first", "transformers-first", "transformers-model-first", "peft-first", "family-first"],
)
@pytest.mark.slow
def test_model_families_are_registered_in_any_import_order(imports):
    assert run_fresh(imports + "\n" + CHECK_REGISTERED).splitlines()[-1] == "registered"


def test_the_cli_variant_names_match_the_converter():
    from ser_hub.commands import convert as convert_command
    from ser_hub.models.byol.convert_byol_checkpoint import VARIANT_WIN_LENGTH

    assert convert_command.BYOL_VARIANTS == tuple(sorted(VARIANT_WIN_LENGTH))
