"""Bad input (docs/design.md §11) gives a clear message naming the file, or a documented skip; never stale or
half-written output."""

import zipfile

import numpy as np
import pytest
import soundfile as sf

import ser_hub
from corpus_fixtures import write_audio, write_corpus
from ser_hub import export as export_module
from ser_hub.cli import main
from ser_hub.corpora import read_build_record
from ser_hub.errors import CorpusError, SerHubError

GOOD = [f"{folder}/S{g}{s}_F{k}_{folder[0]}{k:02d}.wav"
        for folder in ("Angry", "Happy", "Neutral", "Sad") for g in "MF" for s in (1, 2, 3) for k in (1, 2)]


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "URDU-Dataset", GOOD, rate=44100)


def _skips(dataset):
    return {skip["file"]: skip["reason"] for skip in read_build_record(dataset)["skipped"]}


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "missing", "does not exist"),
    (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "is empty"),
    (lambda tmp: (tmp / "notes.txt").write_text("x") and tmp / "notes.txt", "not a zip archive"),
])
def test_wrong_data_dir(tmp_path, make, message):
    with pytest.raises(CorpusError, match=message):
        ser_hub.load_corpus("urdu", make(tmp_path), cache_dir=str(tmp_path / "cache"))


def test_a_layout_that_is_not_the_corpus(tmp_path):
    other = write_corpus(tmp_path / "emodb", ["wav/03a01Fa.wav", "wav/03a01Nc.wav"], rate=16000)
    with pytest.raises(CorpusError, match=r"does not look like URDU-Dataset.*Angry/SM1_F1_A01\.wav.*wav/03a01Fa\.wav"):
        ser_hub.load_corpus("urdu", other, cache_dir=str(tmp_path / "cache"))


def test_bad_files_are_skipped_and_documented(corpus, tmp_path):
    (corpus / "Angry" / "recording 1.wav").write_bytes((corpus / GOOD[0]).read_bytes())
    write_audio(corpus / "Angry" / "SM9_F1_X01.wav", 44100)
    (corpus / "Happy" / "SM9_F1_H01.wav").write_bytes(b"RIFF\x00\x00garbage" * 10)
    (corpus / "Happy" / "SM9_F2_H02.wav").write_bytes(b"")
    sf.write(corpus / "Neutral" / "SM9_F1_N01.wav", np.zeros((0, 1), np.float32), 44100)
    write_audio(corpus / "Neutral" / "SM9_F2_N02.wav", 44100, seconds=0.05)
    sf.write(corpus / "Sad" / "SM9_F1_S01.wav", np.zeros((4410, 1), np.float32), 44100)
    (corpus / "Sad" / "notes.txt").write_text("unrelated")
    (corpus / ".DS_Store").write_bytes(b"\0")
    dataset = ser_hub.load_corpus("urdu", corpus, "stratified", cache_dir=str(tmp_path / "cache"))
    assert sum(len(split) for split in dataset.values()) == len(GOOD)
    skips = _skips(dataset)
    assert skips["Angry/recording 1.wav"].startswith("file name does not follow the urdu grammar")
    assert skips["Angry/SM9_F1_X01.wav"].startswith("unknown label code 'X'")
    assert "not a readable audio file" in skips["Happy/SM9_F1_H01.wav"] or "cannot decode" in skips["Happy/SM9_F1_H01.wav"]
    assert "empty (0 bytes)" in skips["Happy/SM9_F2_H02.wav"]
    assert "zero-length" in skips["Neutral/SM9_F1_N01.wav"]
    assert "too short (0.050 s < min_duration=0.1 s)" in skips["Neutral/SM9_F2_N02.wav"]
    assert "silent" in skips["Sad/SM9_F1_S01.wav"]
    assert len(skips) == 7
    assert read_build_record(dataset)["ignored"] == ["Sad/notes.txt"]
    assert "Skipped files: 7" in dataset["train"].info.description


def test_stereo_and_unusual_rates_become_16k_mono(tmp_path):
    files = {"Angry/SM1_F1_A01.wav": (48000, 2), "Angry/SM1_F2_A02.wav": (8000, 1), "Happy/SM2_F1_H01.wav": (22050, 2)}
    for name, (rate, channels) in files.items():
        write_audio(tmp_path / "c" / name, rate, channels, seconds=0.5)
    for index in range(1, 6):
        write_audio(tmp_path / "c" / f"Sad/SM{index + 2}_F1_S0{index}.wav", 44100)
    dataset = ser_hub.load_corpus("urdu", tmp_path / "c", "loso", cache_dir=str(tmp_path / "cache"))
    rows = {row["file"]: row for split in dataset.values() for row in split}
    for name in files:
        decoded = rows[name]["audio"].get_all_samples()
        assert decoded.sample_rate == 16000 and tuple(decoded.data.shape) == (1, 8000)
        assert rows[name]["duration"] == pytest.approx(0.5)


def test_duplicate_utterances_name_both_files(corpus, tmp_path):
    (corpus / "Happy" / "SM1_F1_A01.wav").write_bytes((corpus / "Angry" / "SM1_F1_A01.wav").read_bytes())
    with pytest.raises(CorpusError, match=r"Happy/SM1_F1_A01\.wav and Angry/SM1_F1_A01\.wav.*remove one"):
        ser_hub.load_corpus("urdu", corpus, cache_dir=str(tmp_path / "cache"))


def test_an_archive_with_nothing_usable(tmp_path):
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("URDU-Dataset/Angry/SM1_F1_A01.wav", b"not audio")
    with pytest.raises(CorpusError, match="no usable utterance.*every audio file was skipped"):
        ser_hub.load_corpus("urdu", archive, cache_dir=str(tmp_path / "cache"))


def test_unknown_corpus_protocol_and_option(corpus, tmp_path):
    with pytest.raises(CorpusError, match="unknown corpus 'emodbb'"):
        ser_hub.load_corpus("emodbb", corpus)
    with pytest.raises(CorpusError, match="unknown split protocol"):
        ser_hub.load_corpus("urdu", corpus, "random", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(CorpusError, match=r"urdu takes no options \['speakers'\]"):
        ser_hub.load_corpus("urdu", corpus, cache_dir=str(tmp_path / "cache"), speakers="all")
    with pytest.raises(CorpusError, match="urdu has no label set 'all'"):
        ser_hub.load_corpus("urdu", corpus, cache_dir=str(tmp_path / "cache"), label_set="all")


def test_interrupted_export_leaves_nothing(corpus, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "write_card", fail)
    with pytest.raises(KeyboardInterrupt):
        ser_hub.export_corpus("urdu", corpus, tmp_path / "out", cache_dir=str(tmp_path / "cache"))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["URDU-Dataset", "cache"]


def test_export_refuses_a_non_empty_folder_and_push_fails_clearly_offline(corpus, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(SerHubError, match="exists and is not empty.*--overwrite"):
        ser_hub.export_corpus("urdu", corpus, tmp_path / "out", cache_dir=str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(SerHubError, match="could not push .* to the Hub dataset 'ser-hub/urdu'.*The export itself is complete"):
        export_module.push_to_hub(tmp_path / "out", "ser-hub/urdu")


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["audit", "urdu", "--data-dir", str(tmp_path / "nowhere")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ser-hub audit: error: data_dir") and "Traceback" not in error


def test_audio_in_folders_outside_the_layout_is_ignored_not_skipped(corpus, tmp_path):
    write_audio(corpus / "mp3-release" / "SM1_F1_A01.wav", 44100)
    write_audio(corpus / "Angry" / "take two.wav", 44100)
    dataset = ser_hub.load_corpus("urdu", corpus, "stratified", cache_dir=str(tmp_path / "cache"))
    assert list(_skips(dataset)) == ["Angry/take two.wav"]
    assert read_build_record(dataset)["ignored"] == ["mp3-release/SM1_F1_A01.wav"]
