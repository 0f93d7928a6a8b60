"""A corpus is decoded once into one prepared table; split protocols are views of it; exports store the audio once."""

import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections import Counter

import numpy as np
import pytest
import soundfile as sf
import yaml

import ser_hub
from ser_hub import audio
from ser_hub.corpora import prepare_corpus

from .test_cafe import build as build_cafe

PROTOCOLS = ["speaker-independent", "serab", "kfold-3", "loso", "stratified"]


@pytest.fixture(scope="module")
def cafe_dir(tmp_path_factory):
    return build_cafe(tmp_path_factory.mktemp("cafe"))


@pytest.fixture
def decodes(monkeypatch):
    """Counts of `ser_hub.audio.decode` calls per file name."""
    calls = Counter()
    original = audio.decode

    def counting(data, name, *segment):
        calls[name] += 1
        return original(data, name, *segment)

    monkeypatch.setattr(audio, "decode", counting)
    return calls


def test_each_file_is_decoded_once_and_another_protocol_decodes_nothing(cafe_dir, tmp_path, decodes):
    first = ser_hub.load_corpus("cafe", cafe_dir, "speaker-independent", cache_dir=str(tmp_path))
    files = sorted(row for split in first.values() for row in split["file"])
    assert sorted(decodes) == files and set(decodes.values()) == {1}
    decodes.clear()
    table_files = first["train"].cache_files
    for protocol in PROTOCOLS[1:]:
        other = ser_hub.load_corpus("cafe", cafe_dir, protocol, cache_dir=str(tmp_path))
        assert all(split.cache_files == table_files for split in other.values())  # views of the one table
        assert sorted(row for split in other.values() for row in split["file"]) == files
    assert not decodes


def test_splits_are_views_with_their_own_fingerprints_and_names(cafe_dir, tmp_path):
    prepared = prepare_corpus("cafe", cafe_dir, cache_dir=str(tmp_path))
    dataset = prepared.load("kfold-3")
    assert [split.split for split in dataset.values()] == ["fold_0", "fold_1", "fold_2"]
    assert len({split._fingerprint for split in dataset.values()} | {prepared.table._fingerprint}) == 4
    assert sum(len(split) for split in dataset.values()) == len(prepared.table)
    rows = prepared.partition("kfold-3")["fold_1"]
    assert dataset["fold_1"]["utterance_id"] == [prepared.record["records"][row]["utterance_id"] for row in rows]
    assert dataset["fold_1"].info.config_name == "kfold-3"


def test_a_changed_file_is_prepared_again(cafe_dir, tmp_path):
    corpus = shutil.copytree(cafe_dir, tmp_path / "corpus")
    first = ser_hub.load_corpus("cafe", corpus, "speaker-independent", cache_dir=str(tmp_path / "cache"))
    row = first["test"][0]
    changed = corpus / row["file"]
    samples, rate = sf.read(changed, dtype="float32")
    sf.write(changed, -samples, rate, subtype="PCM_16")
    os.utime(changed, ns=(0, 0))
    again = ser_hub.load_corpus("cafe", corpus, "speaker-independent", cache_dir=str(tmp_path / "cache"))
    assert again["test"].cache_files != first["test"].cache_files
    expected, _ = audio.decode(changed.read_bytes(), row["file"])
    resampled = audio.resample(audio.to_mono(expected), rate, 16000)
    decoded = again["test"][0]["audio"].get_all_samples().data.numpy()[0]
    assert np.array_equal(decoded, audio.quantize(resampled, 16) / np.float32(2**15))
    assert not np.array_equal(decoded, row["audio"].get_all_samples().data.numpy()[0])


def test_an_interrupted_preparation_leaves_nothing_behind(cafe_dir, tmp_path, monkeypatch):
    calls = []
    original = audio.prepare

    def interrupted(*args, **place):
        calls.append(args[1])
        if len(calls) == 10:
            raise KeyboardInterrupt
        return original(*args, **place)

    monkeypatch.setattr(audio, "prepare", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ser_hub.load_corpus("cafe", cafe_dir, cache_dir=str(tmp_path))
    leftovers = [path for path in tmp_path.rglob("*") if path.is_file() and not path.name.endswith(".lock")]
    assert leftovers == [] and not list(tmp_path.rglob("*.incomplete"))
    monkeypatch.undo()
    dataset = ser_hub.load_corpus("cafe", cafe_dir, cache_dir=str(tmp_path))
    assert sum(len(split) for split in dataset.values()) == len(list(cafe_dir.rglob("*.wav")))


def _python_without_ser_hub() -> list[str]:
    site = sysconfig.get_paths()["purelib"]
    return [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.append({site!r}); exec(sys.stdin.read())"]


def _sample_hash(decoder) -> str:
    samples = decoder.get_all_samples()
    return hashlib.sha256(str(samples.sample_rate).encode() + samples.data.numpy().tobytes()).hexdigest()[:16]


def _stock_load(folder, configs, cache) -> dict:
    """Each config loaded by stock `datasets` in a process where ser_hub cannot be imported: per split, its rows
    without audio, each utterance's decoded-samples hash, and the features."""
    program = f"""
import hashlib, json, datasets
try:
    import ser_hub
    raise SystemExit("ser_hub must not be importable here")
except ImportError:
    pass
def sample_hash(decoder):
    samples = decoder.get_all_samples()
    return hashlib.sha256(str(samples.sample_rate).encode() + samples.data.numpy().tobytes()).hexdigest()[:16]
result = {{}}
for config in {list(configs)!r}:
    ds = datasets.load_dataset({str(folder)!r}, config, cache_dir={str(cache)!r})
    result[config] = {{"features": repr(ds[next(iter(ds))].features), "splits": {{
        name: {{row["utterance_id"]: [{{k: v for k, v in row.items() if k != "audio"}}, sample_hash(row["audio"])]
               for row in split}} for name, split in ds.items()}}}}
print(json.dumps(result))
"""
    completed = subprocess.run(_python_without_ser_hub(), input=program, capture_output=True, text=True,
                               env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _local(dataset) -> dict:
    return {name: {row["utterance_id"]: [{k: v for k, v in row.items() if k != "audio"}, _sample_hash(row["audio"])]
                   for row in split} for name, split in dataset.items()}


def test_export_stores_the_audio_once_and_every_config_loads_with_stock_datasets(cafe_dir, tmp_path):
    cache = str(tmp_path / "cache")
    out = ser_hub.export_corpus("cafe", cafe_dir, tmp_path / "export", PROTOCOLS, cache_dir=cache)
    card = yaml.safe_load((out / "README.md").read_text().split("---")[1])
    shards = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.parquet"))
    for config in card["configs"]:
        listed = [shard for split in config["data_files"] for shard in shards if fnmatch.fnmatch(shard, split["path"])]
        assert sorted(listed) == shards  # every config lists every shard, each in exactly one split
    moved = tmp_path / "moved"
    out.rename(moved)  # the export refers neither to the corpus nor to the cache
    loaded = _stock_load(moved, PROTOCOLS, tmp_path / "hf")
    for protocol in PROTOCOLS:
        local = ser_hub.load_corpus("cafe", cafe_dir, protocol, cache_dir=cache)
        assert loaded[protocol]["features"] == repr(local["train" if "train" in local else "fold_0"].features)
        expected = _local(local)
        for split in expected.values():
            for row, _ in split.values():
                row["duration"] = pytest.approx(row["duration"])
        assert loaded[protocol]["splits"] == expected


@pytest.mark.slow
def test_an_export_of_four_protocols_is_about_the_size_of_one(urdu_dir, tmp_path):
    cache = str(tmp_path / "cache")

    def size(protocols) -> int:
        out = ser_hub.export_corpus("urdu", urdu_dir, tmp_path / "-".join(protocols), protocols, cache_dir=cache)
        return sum(path.stat().st_size for path in out.rglob("*") if path.is_file())

    one = size(["speaker-independent"])
    four = size(["speaker-independent", "kfold-5", "loso", "stratified"])
    assert one < four <= 1.15 * one


def test_an_interrupted_export_leaves_nothing_behind(cafe_dir, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    ser_hub.load_corpus("cafe", cafe_dir, cache_dir=str(cache))
    calls = []
    original = audio.pcm_to_flac

    def interrupted(*args):
        calls.append(args)
        if len(calls) == 20:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(audio, "pcm_to_flac", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ser_hub.export_corpus("cafe", cafe_dir, tmp_path / "out", PROTOCOLS, cache_dir=str(cache))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cache"]
