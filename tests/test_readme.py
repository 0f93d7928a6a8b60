"""The README's corpus definition example is a working definition."""

import re
from pathlib import Path

import ser_hub
from corpus_fixtures import write_corpus

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_definition_loads_a_corpus_in_its_layout(tmp_path):
    definition = tmp_path / "mycorpus.yaml"
    definition.write_text(re.search(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL).group(1))
    files = [f"spk{speaker:02d}/{gender}_{label}_s{text:02d}.wav" for speaker, gender in ((1, "01"), (2, "02"), (3, "01"),
             (4, "02"), (5, "01")) for label in range(4) for text in (1, 7)]
    corpus = ser_hub.load_corpus(str(definition), write_corpus(tmp_path / "MyCorpus", files, 16000),
                                 cache_dir=str(tmp_path / "cache"))
    train = corpus["train"]
    assert train.features["native_label"].names == ["neutral", "happy", "angry", "bored"]
    row = train.filter(lambda file: file == "spk01/01_3_s07.wav", input_columns="file")[0]
    names = {column: train.features[column].names for column in ("gender", "native_label", "emotion")}
    assert (row["corpus"], row["speaker_id"], row["text_id"], row["utterance_id"]) == (
        "mycorpus", "spk01", "s07", "spk01_01_3_s07")
    assert [names[column][row[column]] for column in names] == ["female", "bored", "other"]
