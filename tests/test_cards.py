"""Hub dataset cards: the committed datasets/<corpus>/README.md are what `ser-hub card` writes, and an export's card
describes the same configs as the template."""

from pathlib import Path

import pytest
from huggingface_hub import DatasetCard

import ser_hub
from ser_hub.cards import hub_license, template_card
from ser_hub.cli import main
from ser_hub.corpora import REGISTRY, corpus_info

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
CORPORA = sorted(name for name in REGISTRY if name != "folder")


@pytest.mark.parametrize("corpus", CORPORA)
def test_the_committed_card_is_what_the_generator_writes(corpus, tmp_path):
    assert main(["card", corpus, "--out", str(tmp_path)]) == 0
    written = (tmp_path / corpus / "README.md").read_text()
    committed = DATASETS / corpus / "README.md"
    assert committed.exists(), f"run `ser-hub card --all` and commit datasets/{corpus}/README.md"
    assert committed.read_text() == written, f"datasets/{corpus}/README.md is stale: run `ser-hub card {corpus}`"


def test_every_card_folder_is_a_registered_corpus():
    assert sorted(path.name for path in DATASETS.iterdir() if path.is_dir()) == CORPORA


def test_a_card_has_the_hub_metadata_and_sections():
    card = DatasetCard(template_card(corpus_info("crema_d")))
    assert (card.data.license, card.data.language, card.data.size_categories) == ("odbl", ["en"], ["1K<n<10K"])
    assert [config["config_name"] for config in card.data.configs] == ["speaker-independent", "serab", "emobox"]
    for section in ("## Dataset structure", "## Label mapping", "## Splits", "## How to obtain the audio",
                    "## Known issues", "## Licence", "## Citation"):
        assert section in card.text
    assert "speakers in both the train and the test set (fold_1: 91)" in card.text
    assert "`AudioWAV/1006_TIE_NEU_XX.wav` is excluded" in card.text
    assert hub_license("CC BY-NC-SA 4.0") == "cc-by-nc-sa-4.0" and hub_license("research use only") == "other"


def test_an_export_writes_the_templates_configs_with_the_numbers_of_the_copy(urdu_dir, tmp_path):
    out = ser_hub.export_corpus("urdu", urdu_dir, tmp_path / "export", cache_dir=str(tmp_path / "cache"))
    exported, template = DatasetCard.load(out / "README.md"), DatasetCard(template_card(corpus_info("urdu")))
    assert exported.data.configs == template.data.configs
    assert "dataset_info" in exported.data.to_dict() and "`" + "3d87156c8fb98841" + "`" in exported.text
