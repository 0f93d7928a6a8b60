"""ser_hub.features on generated audio and tiny random models: outputs equal the models' own outputs, duration
batching, the on-disk cache (reuse, identity, resume after an interruption), speech encoders with layer selection
and masked mean pooling, openSMILE, the spec loader, and clear errors."""

import json
import sys
import zlib

import datasets
import numpy as np
import opensmile
import pytest
import soundfile as sf
import torch
from transformers import (
    AutoFeatureExtractor,
    AutoModel,
    BertConfig,
    BertModel,
    Data2VecAudioConfig,
    HubertConfig,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    WavLMConfig,
    WhisperConfig,
    WhisperFeatureExtractor,
)

from ser_hub import audio
from ser_hub.features import (
    ByolExtractor,
    FeatureError,
    OpenSmileExtractor,
    SpeechEncoderExtractor,
    extract,
    load_extractor,
)
from ser_hub.features.extract import plan_batches, utterance_durations
from ser_hub.models import ByolConfig, ByolFeatureExtractor, ByolModel

RATE = 16000
TRAIN_SECONDS = [0.45, 0.6, 0.6, 0.8, 1.0, 1.2, 1.2, 1.5, 1.9, 2.0]
TEST_SECONDS = [0.5, 0.7, 1.1, 1.4, 1.8, 2.0]
LABELS = ["calm", "loud"]


def synthetic_wave(seconds: float, seed: int, rate: int = RATE) -> np.ndarray:
    """A tone with harmonics, an amplitude envelope and noise: enough structure for distinct features."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = rng.uniform(100, 300)
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 5)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    return (0.2 * wave + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


def synthetic_split(durations: list[float], prefix: str) -> datasets.Dataset:
    """A ser-hub-like split: 16 kHz FLAC audio, ids, speakers, labels and durations."""
    waves = [synthetic_wave(seconds, seed=zlib.crc32(f"{prefix}-{i}".encode())) for i, seconds in enumerate(durations)]
    return datasets.Dataset.from_dict(
        {
            "audio": [{"bytes": audio.encode_flac(w, RATE), "path": f"{prefix}/{i:02d}.flac"}
                      for i, w in enumerate(waves)],
            "utterance_id": [f"{prefix}-{i:02d}" for i in range(len(waves))],
            "speaker_id": [f"s{i % 3}" for i in range(len(waves))],
            "native_label": [i % 2 for i in range(len(waves))],
            "duration": durations,
        },
        features=datasets.Features(
            {
                "audio": datasets.Audio(sampling_rate=RATE),
                "utterance_id": datasets.Value("string"),
                "speaker_id": datasets.Value("string"),
                "native_label": datasets.ClassLabel(names=LABELS),
                "duration": datasets.Value("float32"),
            }
        ),
    )


def decoded(split: datasets.Dataset) -> list[np.ndarray]:
    """The split's audio as datasets itself decodes it (torchcodec), independently of ser_hub.features."""
    return [split[i]["audio"].get_all_samples().data[0].numpy() for i in range(len(split))]


def column(dataset: datasets.Dataset, name: str) -> list[np.ndarray]:
    return list(dataset.with_format("numpy")[name])


def matrix(dataset: datasets.Dataset) -> np.ndarray:
    """The `embedding` column as one [rows, dim] array."""
    return np.stack(column(dataset, "embedding"))


def counting(method, log: list):
    """Wrap an extractor method; log the number of utterances of each call."""
    def wrapper(batch):
        log.append(len(batch) if isinstance(batch, list) else batch)
        return method(batch)
    return wrapper


def synthetic_corpus() -> datasets.DatasetDict:
    return datasets.DatasetDict(
        {"train": synthetic_split(TRAIN_SECONDS, "train"), "test": synthetic_split(TEST_SECONDS, "test")}
    )


def save_tiny_byol(folder):
    """A tiny random BYOL encoder (8 conv channels, 24-d) saved as a BYOL-S folder."""
    torch.manual_seed(0)
    model = ByolModel(ByolConfig(conv_channels=8, hidden_size=24)).eval()
    for module in model.modules():  # non-trivial BatchNorm statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    model.save_pretrained(folder)
    ByolFeatureExtractor(win_length=400).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def corpus() -> datasets.DatasetDict:
    return synthetic_corpus()


@pytest.fixture(scope="module")
def byol_folder(tmp_path_factory):
    return save_tiny_byol(tmp_path_factory.mktemp("models") / "tiny-byol")


def byol_reference(folder, statistics, waves):
    """Per utterance, on its own: the saved model's pooler_output and last_hidden_state with these statistics."""
    model = ByolModel.from_pretrained(folder).eval()
    front_end = ByolFeatureExtractor.from_pretrained(folder, **statistics)
    with torch.no_grad():
        outputs = [model(**front_end(wave, sampling_rate=RATE, return_tensors="pt")) for wave in waves]
    return [o.pooler_output[0].numpy() for o in outputs], [o.last_hidden_state[0].numpy() for o in outputs]


def test_plan_batches_bounds_padded_seconds():
    durations = [0.5, 1.0, 1.0, 2.0, 3.0, 10.0, 0.2]
    rows = range(len(durations))
    assert plan_batches(rows, durations, 4.0) == [[6, 0, 1, 2], [3], [4], [5]]
    assert plan_batches(rows, durations, 100.0) == [[6, 0, 1, 2, 3, 4, 5]]
    assert plan_batches(rows, durations, 0.1) == [[6], [0], [1], [2], [3], [4], [5]]
    assert plan_batches([5, 1, 3], durations, 4.0) == [[1, 3], [5]]


def test_byol_embeddings_equal_the_models_own_output(corpus, byol_folder):
    extractor = load_extractor(str(byol_folder))
    result = extract(corpus, extractor, batch_seconds=3.0, progress=False)
    assert list(result) == ["train", "test"]
    for name, split in result.items():
        assert split.column_names == ["utterance_id", "speaker_id", "native_label", "duration", "embedding"]
        assert split.features["embedding"] == datasets.List(datasets.Value("float32"), length=24)
        assert split.features["native_label"] == datasets.ClassLabel(names=LABELS)
        assert split["utterance_id"][:] == corpus[name]["utterance_id"][:]

    # the statistics are the reference's, computed on the training split only
    front_end = ByolFeatureExtractor.from_pretrained(byol_folder)
    expected = front_end.fit_normalization(decoded(corpus["train"]), sampling_rate=RATE)
    assert (extractor.statistics["norm_mean"], extractor.statistics["norm_std"]) == pytest.approx(expected, rel=1e-12)
    assert extractor.identity["statistics"] == extractor.statistics

    for name in corpus:
        embeddings, _ = byol_reference(byol_folder, extractor.statistics, decoded(corpus[name]))
        np.testing.assert_allclose(matrix(result[name]), np.stack(embeddings), rtol=1e-5, atol=1e-5)


def test_byol_frames(corpus, byol_folder):
    extractor = load_extractor(str(byol_folder), level="frame")
    result = extract(corpus, extractor, progress=False)
    assert result["test"].features["frames"] == datasets.Array2D(shape=(None, 24), dtype="float32")
    waves = decoded(corpus["test"])
    _, frames = byol_reference(byol_folder, extractor.statistics, waves)
    got = column(result["test"], "frames")
    assert [f.shape for f in got] == [((1 + len(w) // 160) // 8, 24) for w in waves]
    for mine, theirs in zip(got, frames):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)


def test_second_run_computes_nothing_and_identity_keys_the_cache(corpus, byol_folder, tmp_path):
    cache = tmp_path / "cache"
    extractor = load_extractor(str(byol_folder))
    calls, fits = [], []
    extractor.embed = counting(extractor.embed, calls)
    extractor.fit_statistics = counting(extractor.fit_statistics, fits)
    first = extract(corpus, extractor, cache_dir=cache, batch_seconds=3.0, progress=False)
    batches = [plan_batches(range(len(corpus[name])), utterance_durations(corpus[name]), 3.0) for name in corpus]
    assert calls == [len(batch) for split in batches for batch in split]
    assert len(fits) == 1

    again = load_extractor(str(byol_folder))  # a new object with the same identity
    calls2, fits2 = [], []
    again.embed = counting(again.embed, calls2)
    again.fit_statistics = counting(again.fit_statistics, fits2)
    second = extract(corpus, again, cache_dir=cache, batch_seconds=3.0, progress=False)
    assert calls2 == [] and fits2 == []
    assert again.statistics == extractor.statistics
    for name in corpus:
        np.testing.assert_array_equal(matrix(second[name]), matrix(first[name]))
        assert second[name]._fingerprint == first[name]._fingerprint
    entries = sorted(p for p in cache.iterdir() if p.name != "statistics")
    assert len(entries) == 2
    assert all(sorted(f.name for f in entry.iterdir()) == ["features.arrow", "identity.json"] for entry in entries)
    described = json.loads((entries[0] / "identity.json").read_text())
    assert described["extractor"]["weights_sha256"] == again.weights_sha256
    assert described["extractor"]["statistics"] == extractor.statistics

    # statistics from another split change the identity: everything is recomputed
    other = load_extractor(str(byol_folder))
    calls3 = []
    other.embed = counting(other.embed, calls3)
    extract(corpus, other, cache_dir=cache, fit_on=corpus["test"], batch_seconds=3.0, progress=False)
    assert other.statistics != extractor.statistics and sum(calls3) == len(TRAIN_SECONDS) + len(TEST_SECONDS)


def test_interrupted_run_resumes_from_completed_chunks(corpus, byol_folder, tmp_path):
    cache = tmp_path / "cache"
    extractor = load_extractor(str(byol_folder))
    done = []

    def stop_after_two(batch, embed=extractor.embed):
        if len(done) == 2:
            raise KeyboardInterrupt
        done.append(len(batch))
        return embed(batch)

    extractor.embed = stop_after_two
    with pytest.raises(KeyboardInterrupt):
        extract(corpus["train"], extractor, cache_dir=cache, fit_on=corpus["train"], batch_seconds=2.0, progress=False)
    (entry,) = [p for p in cache.iterdir() if p.name != "statistics"]
    assert not (entry / "features.arrow").exists()
    assert len(list((entry / "chunks").glob("*.safetensors"))) == 2
    assert not [p for p in entry.rglob(".*")]  # no temporary files left behind

    resumed = load_extractor(str(byol_folder))
    rows = []
    resumed.embed = counting(resumed.embed, rows)
    result = extract(
        corpus["train"], resumed, cache_dir=cache, fit_on=corpus["train"], batch_seconds=2.0, progress=False
    )
    assert sum(rows) == len(TRAIN_SECONDS) - sum(done)
    assert not (entry / "chunks").exists()
    uncached = extract(corpus["train"], load_extractor(str(byol_folder)), fit_on=corpus["train"], progress=False)
    np.testing.assert_allclose(
        matrix(result), matrix(uncached), rtol=1e-5, atol=1e-6
    )


def test_files_on_disk_at_another_rate_are_downmixed_and_resampled(byol_folder, tmp_path):
    """Rows that hold only a path (no bytes), stereo at 22.05 kHz, and no duration column (read from the headers)."""
    paths = []
    for i, seconds in enumerate([0.9, 0.5, 1.3]):
        stereo = np.stack([synthetic_wave(seconds, i, 22050), synthetic_wave(seconds, i + 10, 22050)], axis=1)
        paths.append(str(tmp_path / f"{i}.wav"))
        sf.write(paths[-1], stereo, 22050, subtype="FLOAT")
    split = datasets.Dataset.from_dict({"audio": paths}, features=datasets.Features({"audio": datasets.Audio()}))
    assert utterance_durations(split) == pytest.approx([0.9, 0.5, 1.3], abs=1e-4)
    extractor = load_extractor(str(byol_folder))
    result = extract(split, extractor, fit_on=split, progress=False)
    waves = [audio.resample(audio.to_mono(sf.read(p, dtype="float32")[0].T), 22050, RATE) for p in paths]
    embeddings, _ = byol_reference(byol_folder, extractor.statistics, waves)
    np.testing.assert_allclose(matrix(result), np.stack(embeddings), rtol=1e-5, atol=1e-5)


TINY = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
TINY_CONV = dict(conv_dim=(16, 16), conv_stride=(10, 8), conv_kernel=(10, 8), num_conv_pos_embeddings=16,
                 num_conv_pos_embedding_groups=2, feat_extract_norm="layer")
SPEECH_ENCODERS = {
    "wav2vec2": lambda: Wav2Vec2Config(**TINY, **TINY_CONV, do_stable_layer_norm=True),
    "hubert": lambda: HubertConfig(**TINY, **TINY_CONV, do_stable_layer_norm=True),
    "wavlm": lambda: WavLMConfig(**TINY, **TINY_CONV, do_stable_layer_norm=True, num_buckets=16),
    "data2vec-audio": lambda: Data2VecAudioConfig(
        **TINY, **{k: v for k, v in TINY_CONV.items() if k != "feat_extract_norm"}, conv_pos_kernel_size=5
    ),
    "whisper": lambda: WhisperConfig(d_model=16, encoder_layers=2, decoder_layers=1, encoder_attention_heads=2,
                                     decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=80,
                                     max_source_positions=100, max_target_positions=16, vocab_size=64, pad_token_id=0,
                                     bos_token_id=1, eos_token_id=2, decoder_start_token_id=1),
}


@pytest.fixture(scope="module")
def encoder_folders(tmp_path_factory):
    folders = {}
    for model_type, make_config in SPEECH_ENCODERS.items():
        torch.manual_seed(1)
        folder = tmp_path_factory.mktemp("encoders") / model_type
        AutoModel.from_config(make_config()).save_pretrained(folder)
        if model_type == "whisper":  # a 2-second window (max_source_positions 100 -> 200 mel frames)
            WhisperFeatureExtractor(feature_size=80, chunk_length=2).save_pretrained(folder)
        else:
            Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=True).save_pretrained(folder)
        folders[model_type] = folder
    return folders


def encoder_reference(model, front_end, wave: np.ndarray) -> tuple[torch.Tensor, ...]:
    """One utterance alone through the model: every hidden layer's frames, Whisper's window padding dropped."""
    inputs = front_end(wave, sampling_rate=RATE, return_tensors="pt")
    with torch.no_grad():
        if model.config.model_type != "whisper":
            return model(**inputs, output_hidden_states=True).hidden_states
        hidden_states = model.get_encoder()(**inputs, output_hidden_states=True).hidden_states
    mel_frames = -(-len(wave) // front_end.hop_length)
    return tuple(hidden[:, : (mel_frames - 1) // 2 + 1] for hidden in hidden_states)


@pytest.mark.parametrize("model_type", list(SPEECH_ENCODERS))
def test_speech_encoders_layer_selection_and_masked_mean_pooling(model_type, encoder_folders, corpus):
    """Padded batches give each utterance's own features, except data2vec-audio, whose stacked positional
    convolutions let padding reach the last frames: it is checked one utterance per batch."""
    folder = encoder_folders[model_type]
    split = corpus["test"]
    batch_seconds = 0.1 if model_type == "data2vec-audio" else 6.0
    def run(**options):
        return extract(split, load_extractor(str(folder), **options), batch_seconds=batch_seconds, progress=False)

    last, first, frames = run(), run(layer=0), run(level="frame", layer=1)
    assert last.features["embedding"] == datasets.List(datasets.Value("float32"), length=16)
    model, front_end = AutoModel.from_pretrained(folder).eval(), AutoFeatureExtractor.from_pretrained(folder)
    for index, wave in enumerate(decoded(split)):
        hidden_states = encoder_reference(model, front_end, wave)
        for result, layer in ((last, -1), (first, 0)):
            expected = hidden_states[layer][0].mean(0).numpy()
            np.testing.assert_allclose(column(result, "embedding")[index], expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(column(frames, "frames")[index], hidden_states[1][0].numpy(), rtol=1e-4, atol=1e-5)
    assert not np.allclose(column(last, "embedding")[0], column(first, "embedding")[0])
    identity = load_extractor(str(folder), layer=-1).identity
    assert identity["layer"] == 2 and identity["model_type"] == model_type and identity["level"] == "utterance"
    assert load_extractor(str(folder), layer=0).identity["layer"] == 0


def test_half_precision_checkpoints_run_in_float32(encoder_folders, corpus, tmp_path):
    half = tmp_path / "wav2vec2-fp16"
    AutoModel.from_pretrained(encoder_folders["wav2vec2"]).half().save_pretrained(half)
    AutoFeatureExtractor.from_pretrained(encoder_folders["wav2vec2"]).save_pretrained(half)
    extractor = load_extractor(str(half))
    assert extractor.model.dtype == torch.float32
    result = extract(corpus["test"].select(range(2)), extractor, progress=False)
    assert matrix(result).dtype == np.float32 and np.isfinite(matrix(result)).all()


def test_speech_encoder_layer_out_of_range(encoder_folders):
    with pytest.raises(FeatureError, match=r"layer=3: wav2vec2 has hidden states 0\.\.2"):
        load_extractor(str(encoder_folders["wav2vec2"]), layer=3)


def test_opensmile_functionals_and_descriptors(corpus):
    split = corpus["test"].select(range(3))
    waves = decoded(split)
    functionals = extract(split, "opensmile:eGeMAPSv02", progress=False)
    smile = opensmile.Smile(opensmile.FeatureSet.eGeMAPSv02, opensmile.FeatureLevel.Functionals)
    expected = np.stack([smile.process_signal(w, RATE).to_numpy(np.float32)[0] for w in waves])
    np.testing.assert_array_equal(matrix(functionals), expected)
    assert expected.shape == (3, 88)

    descriptors = extract(split, load_extractor("opensmile:eGeMAPSv02", level="frame"), progress=False)
    lld = opensmile.Smile(opensmile.FeatureSet.eGeMAPSv02, opensmile.FeatureLevel.LowLevelDescriptors)
    for mine, wave in zip(column(descriptors, "frames"), waves):
        np.testing.assert_array_equal(mine, lld.process_signal(wave, RATE).to_numpy(np.float32))

    compare = load_extractor("opensmile:ComParE_2016")
    assert compare.embed(waves[:1])[0].shape == (6373,)
    assert compare.identity == {
        "family": "opensmile", "feature_set": "ComParE_2016", "feature_level": "Functionals", "level": "utterance",
        "opensmile_version": opensmile.__version__, "num_features": 6373,
        "feature_names_sha256": compare.identity["feature_names_sha256"],
    }


def test_opensmile_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "opensmile", None)
    with pytest.raises(FeatureError, match=r"pip install 'ser-hub\[opensmile\]'"):
        OpenSmileExtractor("eGeMAPSv02")


def test_load_extractor_specs(byol_folder, encoder_folders, tmp_path, monkeypatch):
    assert isinstance(load_extractor(str(byol_folder)), ByolExtractor)
    assert isinstance(load_extractor(str(encoder_folders["hubert"])), SpeechEncoderExtractor)
    models = tmp_path / "models"
    models.mkdir()
    (models / "byol-s-512").symlink_to(byol_folder)
    by_shorthand = load_extractor("byol-s-512", models_dir=models)
    assert by_shorthand.name == "byol-s-512" and by_shorthand.folder == byol_folder.resolve()
    monkeypatch.setenv("SER_HUB_MODELS", str(models))
    assert load_extractor("byol-s-512").identity == by_shorthand.identity
    monkeypatch.chdir(byol_folder.parent)  # the same model by a relative path: the same identity (and feature cache)
    assert load_extractor(byol_folder.name).identity == load_extractor(str(byol_folder)).identity
    hint = r"ser-hub convert byol --checkpoint <file\.pth> --variant byol-a --out .*byol-a-512"
    with pytest.raises(FeatureError, match=hint):
        load_extractor("byol-a-512")
    with pytest.raises(FeatureError, match=r"'nobody/no-such-model': neither a local folder nor an available"):
        load_extractor("nobody/no-such-model")
    with pytest.raises(FeatureError, match="BYOL models have no layer selection"):
        load_extractor(str(byol_folder), layer=2)
    with pytest.raises(FeatureError, match="openSMILE feature set 'ComParE'"):
        load_extractor("opensmile:ComParE")
    with pytest.raises(FeatureError, match="level='utterances'"):
        load_extractor("opensmile:eGeMAPSv02", level="utterances")
    bert = tmp_path / "bert"
    BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8,
                         vocab_size=10)).save_pretrained(bert)
    with pytest.raises(FeatureError, match="model type 'bert' is not supported by SpeechEncoderExtractor"):
        load_extractor(str(bert))


def test_clear_errors(corpus, byol_folder):
    byol = load_extractor(str(byol_folder))
    with pytest.raises(FeatureError, match="no 'train' split .*it has test.*pass fit_on="):
        extract(datasets.DatasetDict({"test": corpus["test"]}), byol, progress=False)
    with pytest.raises(FeatureError, match="has none yet: pass fit_on="):
        extract(corpus["test"], byol, progress=False)
    with pytest.raises(FeatureError, match="with an 'audio' column .*got utterance_id"):
        extract(corpus["test"].remove_columns("audio"), "opensmile:eGeMAPSv02", progress=False)
    with pytest.raises(FeatureError, match="already has a 'embedding' column"):
        extract(corpus["test"].add_column("embedding", [0.0] * len(TEST_SECONDS)), "opensmile:eGeMAPSv02")
    with pytest.raises(FeatureError, match="batch_seconds=0"):
        extract(corpus["test"], "opensmile:eGeMAPSv02", batch_seconds=0, progress=False)
    with pytest.raises(FeatureError, match="no utterances"):
        extract(corpus["test"].select([]), "opensmile:eGeMAPSv02", progress=False)
    short = synthetic_split([0.05, 1.0], "short")
    with pytest.raises(FeatureError, match="tiny-byol cannot extract features of short-00: .*too short for the enc"):
        extract(short, byol, fit_on=corpus["train"], progress=False)
