"""The `speech-emotion-recognition` pipeline and `ser-hub predict`: the real BYOL-S checkpoint with a seeded random
head on real URDU audio (44.1 kHz stereo, a 60 s recording), windows and their timestamps, batching, every model
family and head through `transformers.pipeline`, models without a head, bad audio, and the command end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr
import torch
from PIL import Image
from transformers import (
    AutoFeatureExtractor,
    AutoModelForAudioClassification,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForSequenceClassification,
    pipeline,
)

import ser_hub
from ser_hub import cli
from ser_hub.errors import AudioError
from ser_hub.models import (
    ByolConfig,
    ByolCvtConfig,
    ByolCvtForSequenceClassification,
    ByolFeatureExtractor,
    ByolForSequenceClassification,
    ByolModel,
    EmoNetConfig,
    EmoNetFeatureExtractor,
    EmoNetForSequenceClassification,
    MtlWav2Vec2Config,
    MtlWav2Vec2FeatureExtractor,
    MtlWav2Vec2ForSequenceClassification,
)
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from ser_hub.pipelines import TASK, PipelineError, window_bounds
from ser_hub.report import ReportError, timeline_figure

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"
NAMES = ["neutral", "anger", "happiness", "sadness"]
LABELS = {"id2label": dict(enumerate(NAMES)), "label2id": {name: index for index, name in enumerate(NAMES)}}
DIMENSIONS = ["arousal", "valence", "dominance"]
RATE = 16000
TINY_CVT = {"embed_dims": [8, 16, 32], "num_heads": [1, 1, 2], "head_dim": 8}
TINY_EMONET = {"stem_channels": 4, "stage_channels": [8, 16, 32], "attention_units": 8, "head_hidden_size": 8}
TINY_BACKBONE = {
    "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 37,
    "conv_dim": (16, 16), "conv_stride": (16, 20), "conv_kernel": (20, 8), "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 2, "feat_extract_norm": "layer", "do_stable_layer_norm": True, "conv_bias": True,
}
ANGRY = ["SM1_F10_A010.wav", "SM1_F11_A011.wav"]  # 3.0 s and 2.0 s at 44.1 kHz, mono


# ---------------------------------------------------------------- models and audio


@pytest.fixture(scope="module")
def byol_s(shared, tmp_path_factory):
    """The real BYOL-S checkpoint converted: an encoder without a head."""
    return convert_byol_checkpoint(shared / CHECKPOINT, "byol-s", tmp_path_factory.mktemp("byol") / "byol-s-512")


@pytest.fixture(scope="module")
def classifier(byol_s, shared, tmp_path_factory):
    """BYOL-S with a seeded random 4-class head and the reference log-mel statistics, saved as a fine-tuned folder."""
    torch.manual_seed(0)
    model = ByolForSequenceClassification.from_pretrained(byol_s, num_labels=4, **LABELS)
    extractor = AutoFeatureExtractor.from_pretrained(byol_s)
    with np.load(shared / "reference" / "byol_s_512_reference.npz") as reference:
        extractor.norm_mean, extractor.norm_std = float(reference["mean"]), float(reference["std"])
    folder = tmp_path_factory.mktemp("classifier") / "byol-s-urdu"
    model.save_pretrained(folder)
    extractor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def ser(classifier):
    return pipeline(TASK, model=str(classifier))


@pytest.fixture(scope="module")
def reference(classifier):
    """The saved classifier loaded on its own: the model and front end the pipeline's results are checked against."""
    return AutoModelForAudioClassification.from_pretrained(classifier).eval(), AutoFeatureExtractor.from_pretrained(classifier)


def model_outputs(reference, waveforms) -> np.ndarray:
    """The raw head outputs [len(waveforms), outputs] of 16 kHz mono waveforms, run one at a time."""
    model, extractor = reference
    with torch.no_grad():
        return np.stack([model(**extractor(waveform, sampling_rate=RATE, return_tensors="pt")).logits[0].numpy()
                         for waveform in waveforms])


def softmax(logits: np.ndarray) -> np.ndarray:
    return torch.from_numpy(logits).softmax(-1).numpy()


def scores(windows, names=NAMES) -> np.ndarray:
    """Each window's score of every class (the pipeline run with top_k >= the classes), in `names` order."""
    return np.array([[{ranked["label"]: ranked["score"] for ranked in window["top_k"]}[name] for name in names]
                     for window in windows])


def read(path) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(path, dtype="float32", always_2d=True)
    return samples, rate


def to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """[frames, channels] -> mono (channel mean) -> 16 kHz with soxr VHQ, independently of ser_hub.audio."""
    return soxr.resample(samples.mean(axis=1), rate, RATE, quality="VHQ").astype(np.float32)


@pytest.fixture(scope="module")
def recording_60s(urdu_dir, tmp_path_factory):
    """60 s exactly at 44.1 kHz: the first URDU anger recordings end to end (no full-scale samples among them)."""
    files = sorted((urdu_dir / "Angry").glob("*.wav"))[:25]
    samples = np.concatenate([read(path)[0] for path in files])[: 60 * 44100]
    assert samples.shape == (2_646_000, 1) and np.abs(samples).max() < 0.999
    path = tmp_path_factory.mktemp("long") / "urdu-60s.wav"
    sf.write(path, samples, 44100, subtype="PCM_16")
    return path


# ---------------------------------------------------------------- windows


def test_window_bounds_step_by_the_hop_and_end_with_the_signal():
    assert window_bounds(12, 4, 4) == [(0, 4), (4, 8), (8, 12)]
    assert window_bounds(10, 4, 3) == [(0, 4), (3, 7), (6, 10)]  # the last one aligned to the end
    assert window_bounds(11, 4, 3) == [(0, 4), (3, 7), (6, 10), (7, 11)]
    assert window_bounds(20, 4, 7) == [(0, 4), (7, 11), (14, 18), (16, 20)]  # hop > window: gaps, the end covered
    assert window_bounds(4, 4, 1) == [(0, 4)]
    assert window_bounds(3, 4, 1) == [(0, 3)]  # shorter than a window: one window, the whole signal


def test_a_44k_stereo_file_is_down_mixed_and_resampled_with_soxr(ser, reference, urdu_dir, tmp_path):
    left, right = (read(urdu_dir / "Angry" / name)[0][:88200, 0] for name in ANGRY)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 44100, subtype="PCM_16")
    waveform = to_16k(*read(path))
    [window] = ser(str(path), top_k=4)
    assert (window["start"], window["end"], len(waveform)) == (0.0, 2.0, 32000)
    expected = softmax(model_outputs(reference, [waveform]))
    np.testing.assert_allclose(scores([window]), expected, rtol=1e-5, atol=1e-7)
    assert (window["label"], window["score"]) == (window["top_k"][0]["label"], window["top_k"][0]["score"])
    assert window["label"] == NAMES[int(expected.argmax())] and window["warnings"] == []


def test_a_60s_recording_in_windows_with_exact_timestamps_and_scores(ser, reference, recording_60s):
    waveform = to_16k(*read(recording_60s))
    assert len(waveform) == 960_000
    windows = ser(str(recording_60s), window=4.0, hop=3.0, top_k=4, batch_size=3)  # 20 windows: 6 batches of 3, one of 2
    starts = [3.0 * index for index in range(19)] + [56.0]  # every 3 s, the last one ending with the recording
    assert [(window["start"], window["end"]) for window in windows] == [(start, start + 4.0) for start in starts]
    slices = [waveform[int(start * RATE) : int(start * RATE) + 4 * RATE] for start in starts]
    np.testing.assert_allclose(scores(windows), softmax(model_outputs(reference, slices)), rtol=1e-5, atol=1e-7)
    assert all(window["warnings"] == [] for window in windows)


def test_a_recording_shorter_than_the_window_is_one_window(ser, reference, urdu_dir):
    path = urdu_dir / "Angry" / ANGRY[1]
    waveform = to_16k(*read(path))
    for window, hop in ((6.0, None), (30.0, 0.5)):
        [result] = ser(str(path), window=window, hop=hop, top_k=4)
        assert (result["start"], result["end"]) == (0.0, len(waveform) / RATE) == (0.0, 2.0)
        np.testing.assert_allclose(scores([result]), softmax(model_outputs(reference, [waveform])), rtol=1e-5,
                                   atol=1e-7)


def test_batched_windows_and_files_equal_unbatched(ser, recording_60s, urdu_dir):
    first_15s = {"array": read(recording_60s)[0][: 15 * 44100].T, "sampling_rate": 44100}
    one_by_one = ser(first_15s, window=3.0, hop=2.5, top_k=4)
    batched = ser(first_15s, window=3.0, hop=2.5, top_k=4, batch_size=4)  # a batch of 4, then one of 2
    assert [(w["start"], w["end"]) for w in batched] == [(w["start"], w["end"]) for w in one_by_one] == [
        (0.0, 3.0), (2.5, 5.5), (5.0, 8.0), (7.5, 10.5), (10.0, 13.0), (12.0, 15.0)]
    np.testing.assert_allclose(scores(batched), scores(one_by_one), rtol=1e-5, atol=1e-7)
    # windows of files of different lengths (3 s and 2 s) padded into one batch
    files = [str(urdu_dir / "Angry" / name) for name in ANGRY]
    together = ser(files, top_k=4, batch_size=2)
    apart = [ser(file, top_k=4) for file in files]
    assert [[(w["start"], w["end"]) for w in result] for result in together] == [[(0.0, 3.0035625)], [(0.0, 2.0)]]
    for batched_result, single in zip(together, apart):
        np.testing.assert_allclose(scores(batched_result), scores(single), rtol=1e-5, atol=1e-7)


def test_every_input_form_gives_the_same_prediction(ser, urdu_dir, tmp_path):
    path = urdu_dir / "Angry" / ANGRY[1]
    samples, rate = read(path)
    integers, _ = sf.read(path, dtype="int16")
    from torchcodec.decoders import AudioDecoder

    expected = scores(ser(str(path), top_k=4))
    for inputs, parameters in [
        (path, {}),
        (path.read_bytes(), {}),
        ({"array": samples[:, 0], "sampling_rate": rate, "path": "ignored.wav"}, {}),
        ({"raw": samples.T, "sampling_rate": rate}, {}),
        (samples[:, 0], {"sampling_rate": rate}),
        (samples, {"sampling_rate": rate}),  # one column: mono
        (torch.from_numpy(samples[:, 0]), {"sampling_rate": rate}),
        (integers, {"sampling_rate": rate}),  # 16-bit integers, scaled by 1 / 32768
        (AudioDecoder(str(path)), {}),
    ]:
        np.testing.assert_allclose(scores(ser(inputs, top_k=4, **parameters)), expected, rtol=1e-5, atol=1e-7)


def test_audio_in_a_container_is_decoded_with_ffmpeg(ser, tmp_path):
    path = tmp_path / "clip.m4a"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=1:sample_rate=44100",
                    "-ac", "2", "-c:a", "aac", str(path)], check=True)
    samples, rate = ser_hub.audio.decode(path.read_bytes(), path.name)
    waveform = ser_hub.audio.resample(ser_hub.audio.to_mono(samples), rate, RATE)
    expected = [(0.0, len(waveform) / RATE)]
    assert [(w["start"], w["end"]) for w in ser(str(path))] == expected
    assert [(w["start"], w["end"]) for w in ser(path.read_bytes())] == expected


# ---------------------------------------------------------------- heads


def tiny_cvt(**config) -> ByolCvtForSequenceClassification:
    torch.manual_seed(0)
    return ByolCvtForSequenceClassification(ByolCvtConfig(**TINY_CVT, **config)).eval()


def tiny_emonet() -> EmoNetForSequenceClassification:
    torch.manual_seed(0)
    config = EmoNetConfig(domains={"urdu": 4, "acted": 3}, domain_labels={"urdu": NAMES, "acted": ["calm", "loud", "sad"]},
                          **TINY_EMONET)
    return EmoNetForSequenceClassification(config).eval()


def tiny_mtl(**config) -> MtlWav2Vec2ForSequenceClassification:
    torch.manual_seed(0)
    return MtlWav2Vec2ForSequenceClassification(MtlWav2Vec2Config(wav2vec2_config=dict(TINY_BACKBONE), **config)).eval()


def stock_wav2vec2() -> Wav2Vec2ForSequenceClassification:
    torch.manual_seed(0)
    return Wav2Vec2ForSequenceClassification(Wav2Vec2Config(**TINY_BACKBONE, num_labels=4, **LABELS)).eval()


def regression_model() -> ByolCvtForSequenceClassification:
    return tiny_cvt(num_labels=3, problem_type="regression", id2label=dict(enumerate(DIMENSIONS)),
                    label2id={name: index for index, name in enumerate(DIMENSIONS)})


@pytest.fixture(scope="module")
def clip(urdu_dir) -> np.ndarray:
    """A real 2 s URDU utterance at 16 kHz."""
    return to_16k(*read(urdu_dir / "Angry" / ANGRY[1]))


def head_outputs(model, extractor, waveform, **forward) -> torch.Tensor:
    with torch.no_grad():
        outputs = model(**extractor(waveform, sampling_rate=RATE, return_tensors="pt"), **forward)
    return outputs.emotion_logits[0] if isinstance(model, MtlWav2Vec2ForSequenceClassification) else outputs.logits[0]


def test_a_regression_head_gives_a_value_per_dimension(clip):
    model, extractor = regression_model(), ByolFeatureExtractor()
    [window] = pipeline(TASK, model=model, feature_extractor=extractor)(clip, sampling_rate=RATE)
    expected = head_outputs(model, extractor, clip).tolist()
    assert list(window) == ["start", "end", "values", "warnings"]
    assert list(window["values"]) == DIMENSIONS
    np.testing.assert_allclose(list(window["values"].values()), expected, rtol=1e-6)
    with pytest.raises(PipelineError, match="top_k=2: this model's head is a regression head"):
        pipeline(TASK, model=model, feature_extractor=extractor, top_k=2)


@pytest.mark.parametrize("family", ["byol_cvt", "emonet", "mtl_wav2vec2", "wav2vec2"])
def test_each_family_head_in_the_pipeline(family, clip):
    """ser-hub's families and a stock transformers audio classifier (wav2vec 2.0, whose extractor pads on request)."""
    model, extractor, names, forward = {
        "byol_cvt": lambda: (tiny_cvt(num_labels=4, **LABELS), ByolFeatureExtractor(), NAMES, {}),
        "emonet": lambda: (tiny_emonet(), EmoNetFeatureExtractor(), NAMES, {"domain": "urdu"}),
        "mtl_wav2vec2": lambda: (tiny_mtl(), MtlWav2Vec2FeatureExtractor(), MtlWav2Vec2Config().classification_heads[
            "emotion"], {}),
        "wav2vec2": lambda: (stock_wav2vec2(), Wav2Vec2FeatureExtractor(return_attention_mask=True), NAMES, {}),
    }[family]()
    ser = pipeline(TASK, model=model, feature_extractor=extractor)
    [window] = ser(clip, sampling_rate=RATE, top_k=len(names), **forward)
    expected = head_outputs(model, extractor, clip, **forward).softmax(-1).numpy()
    np.testing.assert_allclose(scores([window], names), [expected], rtol=1e-5, atol=1e-7)
    [shortest] = ser(clip[:1600], sampling_rate=RATE, **forward)  # min_duration, 0.1 s, works for every family
    assert (shortest["start"], shortest["end"]) == (0.0, 0.1)


def test_emonet_domains(clip):
    model, extractor = tiny_emonet(), EmoNetFeatureExtractor()
    ser = pipeline(TASK, model=model, feature_extractor=extractor)
    [window] = ser(clip, sampling_rate=RATE, domain="acted", top_k=3)
    expected = head_outputs(model, extractor, clip, domain="acted").softmax(-1).numpy()
    np.testing.assert_allclose(scores([window], ["calm", "loud", "sad"]), [expected], rtol=1e-5, atol=1e-7)
    acted = pipeline(TASK, model=model, feature_extractor=extractor, domain="acted", top_k=3)  # kept for every call
    np.testing.assert_allclose(scores(acted(clip, sampling_rate=RATE), ["calm", "loud", "sad"]), [expected], rtol=1e-5)
    with pytest.raises(PipelineError, match=r"domain='iemocap': unknown to this model; its domains are \['urdu', 'acted'\]"):
        ser(clip, sampling_rate=RATE, domain="iemocap")
    with pytest.raises(PipelineError, match=r"has the domains \['urdu', 'acted'\]: choose one with domain="):
        ser(clip, sampling_rate=RATE)
    with pytest.raises(PipelineError, match="window=6 s: this model's front end keeps only the first 5 s"):
        ser(clip, sampling_rate=RATE, window=6)
    unnamed = EmoNetForSequenceClassification(EmoNetConfig(domains={"a": 2}, **TINY_EMONET))
    assert pipeline(TASK, model=unnamed, feature_extractor=extractor).output_names() == ["LABEL_0", "LABEL_1"]


def test_a_saved_emonet_names_its_classes_in_the_pipeline_and_in_predict(clip, tmp_path):
    folder = tmp_path / "emonet"
    tiny_emonet().save_pretrained(folder)
    EmoNetFeatureExtractor().save_pretrained(folder)
    ser = pipeline(TASK, model=str(folder))
    assert (ser.output_names("urdu"), ser.output_names("acted")) == (NAMES, ["calm", "loud", "sad"])
    [window] = ser(clip, sampling_rate=RATE, domain="acted", top_k=3)
    assert sorted(ranked["label"] for ranked in window["top_k"]) == ["calm", "loud", "sad"]
    sf.write(tmp_path / "clip.wav", clip, RATE)
    out = tmp_path / "preds.csv"
    assert cli.main(["predict", str(tmp_path / "clip.wav"), "--model", str(folder), "--domain", "acted",
                     "--out", str(out), "--quiet"]) == 0
    assert pd.read_csv(out)["label"].tolist() == [window["label"]]


def test_models_without_a_head_are_refused(byol_s):
    with pytest.raises(PipelineError, match="the saved model is a ByolModel without a trained classification or "
                                            "regression head: as a ByolForSequenceClassification its head would be random"):
        pipeline(TASK, model=str(byol_s))
    with pytest.raises(PipelineError, match="ByolModel has no classification or regression head"):
        pipeline(TASK, model=ByolModel(ByolConfig()), feature_extractor=ByolFeatureExtractor())
    with pytest.raises(PipelineError, match=r"has no emotion head \(its heads: \['gender', 'f0_mean'\]\)"):
        pipeline(TASK, model=tiny_mtl(classification_heads={"gender": ["female", "male"]}),
                 feature_extractor=MtlWav2Vec2FeatureExtractor())


def test_bad_settings_are_refused(ser, clip):
    for parameters, message in [
        ({"window": 0.05}, r"window=0.05 s, hop=0.05 s: the window must be at least 0.1 s \(shorter audio is too short"),
        ({"window": 2, "hop": 0}, "window=2 s, hop=0 s: the window must be at least 0.1 s .* and the hop positive"),
        ({"domain": "urdu"}, "domain='urdu': only EmoNet models have per-domain heads"),
        ({"top_k": 0}, "top_k=0: pass a positive number of classes"),
        ({"stride": 2}, r"unknown parameters \['stride'\]"),
    ]:
        with pytest.raises(PipelineError, match=message):
            ser(clip, sampling_rate=RATE, **parameters)


# ---------------------------------------------------------------- bad audio


def test_bad_audio_is_refused_with_a_clear_message(ser, tmp_path):
    empty, noise = tmp_path / "empty.wav", np.random.default_rng(0).normal(0, 0.1, RATE).astype(np.float32)
    empty.touch()
    nan = noise.copy()
    nan[8000] = np.nan
    for inputs, message in [
        ({"array": np.zeros(RATE, np.float32), "sampling_rate": RATE}, r"silent \(every sample is zero\)"),
        ({"array": np.zeros(0, np.float32), "sampling_rate": RATE}, r"the audio is empty \(0 samples\)"),
        (str(empty), r"empty.wav: the file is empty \(0 bytes\)"),
        ({"array": noise[:16], "sampling_rate": RATE}, r"too short \(0.001 s\); predictions need at least 0.1 s"),
        ({"array": nan, "sampling_rate": RATE}, r"NaN or infinite samples \(the first at 0.500 s\)"),
        (str(tmp_path / "missing.wav"), "missing.wav: no such file"),
        (b"not audio at all", "audio bytes \\(16 bytes\\): neither libsndfile nor ffmpeg can decode them"),
        (noise, r"array: pass the sampling rate of the samples \(sampling_rate=...\)"),
        ({"array": np.stack([noise, noise], axis=1), "sampling_rate": RATE},
         r"samples shaped \(16000, 2\) look like \[samples, channels\]; pass them channels first"),
        ({"samples": noise}, r"a dict input needs the samples under 'raw' or 'array' and their 'sampling_rate'"),
    ]:
        with pytest.raises(AudioError, match=message):
            ser(inputs)


def test_clipped_and_silent_windows_are_predicted_and_flagged(ser, clip):
    loud = np.clip(clip * 20, -1.0, 1.0)
    share = np.mean(np.abs(loud) >= 0.999)
    [window] = ser(loud, sampling_rate=RATE)
    assert window["warnings"] == [f"clipped ({share:.2%} of samples at full scale)"] and window["label"] in NAMES
    # 2 s of digital silence, the clip, its clipped copy: one window each
    recording = np.concatenate([np.zeros(2 * RATE, np.float32), clip, loud])
    windows = ser(recording, sampling_rate=RATE, window=2.0)
    assert [w["warnings"] for w in windows] == [["silent (every sample is zero)"], [],
                                                [f"clipped ({share:.2%} of samples at full scale)"]]
    barely = clip / np.abs(clip).max()  # one sample at full scale: not clipping
    assert ser(barely, sampling_rate=RATE)[0]["warnings"] == []


# ---------------------------------------------------------------- timeline plot


def test_the_timeline_draws_each_window_on_its_label_row():
    figure = timeline_figure([0, 2, 4], [4, 6, 8], labels=["anger", "neutral", "anger"], classes=NAMES, title="a.wav")
    axes = figure.axes[0]
    bars = [(bar.get_x(), bar.get_width(), bar.get_y() + bar.get_height() / 2) for bar in axes.patches]
    assert bars == [(0, 4, 1), (2, 4, 0), (4, 4, 1)]
    assert [tick.get_text() for tick in axes.get_yticklabels()] == NAMES
    assert (axes.get_xlim(), axes.get_title(), axes.get_xlabel()) == ((0.0, 8.0), "a.wav", "time (s)")


def test_the_timeline_draws_regression_values_over_time():
    figure = timeline_figure([0, 2], [4, 6], values={"arousal": [0.5, 0.7], "valence": [-0.1, 0.2]})
    axes = figure.axes[0]
    assert [(line.get_label(), list(line.get_xdata()), list(line.get_ydata())) for line in axes.lines] == [
        ("arousal", [2.0, 4.0], [0.5, 0.7]), ("valence", [2.0, 4.0], [-0.1, 0.2])]
    assert [segments.tolist() for segments in axes.collections[0].get_segments()] == [[[0, 0.5], [4, 0.5]],
                                                                                     [[2, 0.7], [6, 0.7]]]
    with pytest.raises(ReportError, match="pass either labels"):
        timeline_figure([0], [4])
    with pytest.raises(ReportError, match=r"labels \['joy'\] are not among the classes"):
        timeline_figure([0], [4], labels=["joy"], classes=NAMES)
    with pytest.raises(ReportError, match="2 starts, 1 ends"):
        timeline_figure([0, 1], [4], labels=["anger", "anger"])


# ---------------------------------------------------------------- ser-hub predict


def test_predict_writes_rows_skips_and_timelines(classifier, recording_60s, urdu_dir, tmp_path, capsys):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    samples, _ = read(recording_60s)
    sf.write(folder / "long.wav", np.repeat(samples[: 9 * 44100], 2, axis=1), 44100)  # 9 s, stereo
    sf.write(folder / "sub" / "short.flac", read(urdu_dir / "Angry" / ANGRY[1])[0], 44100)
    sf.write(folder / "silent.wav", np.zeros(RATE), RATE)
    (folder / "empty.wav").touch()
    sf.write(folder / "tiny.wav", samples[:44], 44100)
    sf.write(folder / "nan.wav", np.full(RATE, np.nan), RATE, subtype="FLOAT")
    sf.write(folder / "clipped.wav", np.clip(samples[:RATE] * 20, -1, 1), RATE, subtype="FLOAT")
    (folder / "notes.txt").write_text("not audio: ignored in folders")
    out = tmp_path / "preds.csv"
    assert cli.main(["predict", str(folder), "--model", str(classifier), "--out", str(out), "--window", "4",
                     "--hop", "3", "--top-k", "2", "--batch-size", "2", "--quiet"]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["file", "start", "end", "label", "score", "label_2", "score_2", "warnings", "skipped"]
    names = [os.path.relpath(file, folder) for file in table["file"]]
    assert names == ["clipped.wav", "empty.wav", "long.wav", "long.wav", "long.wav", "nan.wav", "silent.wav",
                     "sub/short.flac", "tiny.wav"]
    assert list(zip(table["start"], table["end"])) == [("0.0", "1.0"), ("", ""), ("0.0", "4.0"), ("3.0", "7.0"),
                                                       ("5.0", "9.0"), ("", ""), ("", ""), ("0.0", "2.0"), ("", "")]
    assert list(table["skipped"]) == ["", "the file is empty (0 bytes); re-record or remove it.", "", "", "",
                                      "the audio contains NaN or infinite samples (the first at 0.000 s).",
                                      "silent (every sample is zero); there is nothing to predict from.", "",
                                      "too short (0.001 s); predictions need at least 0.1 s of audio."]
    share = np.mean(np.abs(np.clip(samples[:RATE, 0] * 20, -1, 1)) >= 0.999)
    assert table["warnings"][0] == f"clipped ({share:.2%} of samples at full scale)" and set(table["warnings"][1:]) == {""}
    predicted = table[table["skipped"] == ""]
    assert set(predicted["label"]) <= set(NAMES) and all(predicted["label"] != predicted["label_2"])
    assert all(predicted["score"].astype(float) >= predicted["score_2"].astype(float))
    assert set(table[table["skipped"] != ""].drop(columns=["file", "skipped"]).to_numpy().ravel()) == {""}
    timeline = tmp_path / "preds_timelines" / "long.wav.png"
    assert sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*.png")) == [timeline.relative_to(tmp_path)]
    assert Image.open(timeline).size == (1000, 300)
    captured = capsys.readouterr()
    assert "wrote " + str(out) + ": 5 window(s) of 3 file(s); 4 file(s) skipped" in captured.out
    assert f"ser-hub predict: skipped {folder / 'empty.wav'}: the file is empty (0 bytes)" in captured.err


def test_predict_with_a_regression_head_writes_a_column_per_dimension(recording_60s, tmp_path):
    model = tmp_path / "regression"
    regression_model().save_pretrained(model)
    ByolFeatureExtractor().save_pretrained(model)
    out = tmp_path / "values.json"
    assert cli.main(["predict", str(recording_60s), "--model", str(model), "--out", str(out), "--window", "20",
                     "--quiet"]) == 0
    rows = json.loads(out.read_text())
    assert [list(row) for row in rows] == [["file", "start", "end", *DIMENSIONS, "warnings", "skipped"]] * 3
    assert [(row["start"], row["end"]) for row in rows] == [(0.0, 20.0), (20.0, 40.0), (40.0, 60.0)]
    assert Image.open(tmp_path / "values_timelines" / "urdu-60s.wav.png").size == (1000, 300)


def test_predict_errors_are_plain_messages(byol_s, tmp_path, capsys):
    audio_file = tmp_path / "a.wav"
    sf.write(audio_file, np.random.default_rng(0).normal(0, 0.1, RATE), RATE)
    for arguments, message in [
        ([str(audio_file), "--model", str(byol_s)], "the saved model is a ByolModel without a trained classification"),
        ([str(tmp_path / "nothing")], f"{tmp_path / 'nothing'}: no such file or folder"),
        ([str(tmp_path / "empty_dir")], "no audio files (.wav, .flac"),
        ([str(audio_file), "--out", str(tmp_path / "p.xlsx")], "p.xlsx: the table is written as .csv, .json, .md"),
    ]:
        (tmp_path / "empty_dir").mkdir(exist_ok=True)
        arguments = arguments if "--model" in arguments else [*arguments, "--model", str(byol_s)]
        arguments = arguments if "--out" in arguments else [*arguments, "--out", str(tmp_path / "p.csv")]
        assert cli.main(["predict", *arguments, "--quiet"]) == 2
        assert message in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.wav", "empty_dir"]


# ---------------------------------------------------------------- registration, fresh processes


def run_fresh(code: str) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600,
                               check=False)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return completed.stdout.splitlines()[-1]


@pytest.mark.slow
def test_every_family_through_transformers_pipeline_in_a_fresh_process(classifier, urdu_dir, tmp_path):
    folders = {"byol": classifier}
    for name, model, extractor in [("byol_cvt", tiny_cvt(num_labels=4, **LABELS), ByolFeatureExtractor()),
                                   ("emonet", tiny_emonet(), EmoNetFeatureExtractor()),
                                   ("mtl_wav2vec2", tiny_mtl(), MtlWav2Vec2FeatureExtractor())]:
        folders[name] = tmp_path / name
        model.save_pretrained(folders[name])
        extractor.save_pretrained(folders[name])
    calls = {"byol": {}, "byol_cvt": {}, "emonet": {"domain": "acted"}, "mtl_wav2vec2": {}}
    path = str(urdu_dir / "Angry" / ANGRY[0])
    code = f"""
import json, ser_hub
from transformers import pipeline
folders, calls = {json.dumps({k: str(v) for k, v in folders.items()})}, {json.dumps(calls)}
print(json.dumps({{name: pipeline("speech-emotion-recognition", model=folder)({path!r}, top_k=3, **calls[name])
                  for name, folder in folders.items()}}))
"""
    results = json.loads(run_fresh(code))
    for name, folder in folders.items():
        expected = pipeline(TASK, model=str(folder))(path, top_k=3, **calls[name])
        assert [(w["start"], w["end"], [r["label"] for r in w["top_k"]]) for w in results[name]] == [
            (w["start"], w["end"], [r["label"] for r in w["top_k"]]) for w in expected]
        np.testing.assert_allclose([r["score"] for r in results[name][0]["top_k"]],
                                   [r["score"] for r in expected[0]["top_k"]], rtol=1e-5)
    assert results["emonet"][0]["label"] in ("calm", "loud", "sad")


@pytest.mark.parametrize("imports", ["from transformers import pipeline\nimport ser_hub",
                                     "import ser_hub.pipelines\nfrom transformers import pipeline"],
                         ids=["transformers-first", "ser_hub.pipelines-first"])
@pytest.mark.slow
def test_the_task_registers_in_any_import_order(imports, tmp_path):
    tiny_cvt(num_labels=4, **LABELS).save_pretrained(tmp_path)
    ByolFeatureExtractor().save_pretrained(tmp_path)
    code = f"""
import numpy as np
{imports}
ser = pipeline("speech-emotion-recognition", model={str(tmp_path)!r})
print(type(ser).__module__, len(ser(np.ones(24000, np.float32) * 0.1, sampling_rate=48000)))
"""
    assert run_fresh(code) == "ser_hub.pipelines 1"
