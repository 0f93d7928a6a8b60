"""The SER Evals out-of-domain protocol on synthetic frame features with known answers, and on real corpora."""

import json
import math

import datasets
import numpy as np
import pytest
import torch

import ser_hub
from ser_hub.demo import synthesize_demo_corpus
from ser_hub.labels import EMOTIONS, emotion_feature
from ser_hub.metrics import ood_matrix_scores
from ser_hub.models.logmel import LogMelFeatureExtractor
from ser_hub.protocols.ood import (
    OodInputError,
    ProbeSettings,
    _read_split,
    _split_logits,
    _train_probe,
    adjust_and_predict,
    mlp_probe,
    ood_eligible,
    probe_loss,
    probe_optimizer,
    reference_settings,
    run_ood,
    utterance_logits,
)

FEATURES = datasets.Features(
    {"frames": datasets.List(datasets.List(datasets.Value("float32"))), "emotion": emotion_feature()}
)
FAST = ProbeSettings(hidden_size=32, epochs=30, batch_size=8, learning_rate=1e-2)
CLASSES = ("neutral", "anger", "happiness", "sadness")


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny probes gain nothing from intra-op threads, and on a busy 2-core machine the thread pool thrashes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def split(centres: dict, counts: dict, seed: int, size: int = 6) -> datasets.Dataset:
    """Utterances of 3-7 Gaussian frames around each class's centre (a `size`-d vector), `counts[label]` per class."""
    rng = np.random.default_rng(seed)
    frames, labels = [], []
    for label, count in counts.items():
        for _ in range(count):
            centre = np.asarray(centres[label], dtype=float)
            frames.append(centre + rng.normal(size=(rng.integers(3, 8), size)))
            labels.append(FEATURES["emotion"].str2int(label))
    return datasets.Dataset.from_dict({"frames": frames, "emotion": labels}, features=FEATURES)


def corpus(centres: dict, seed: int, train: dict | None = None, test: dict | None = None) -> datasets.DatasetDict:
    balanced = dict.fromkeys(centres, 12)
    return datasets.DatasetDict(
        {"train": split(centres, train or balanced, seed), "test": split(centres, test or balanced, seed + 1)}
    )


def one_hot(position: int, scale: float = 8.0, size: int = 6) -> np.ndarray:
    vector = np.zeros(size)
    vector[position] = scale
    return vector


def by_cell(result):
    return {(cell.train_corpus, cell.test_corpus): cell for cell in result.cells}


# ---------------------------------------------------------------------------------------------------------------------
# known answers


def test_separable_classes_give_a_perfect_diagonal_and_a_swapped_corpus_scores_zero():
    same = {label: one_hot(index) for index, label in enumerate(CLASSES)}
    swapped = {"neutral": same["anger"], "anger": same["neutral"], "happiness": same["sadness"],
               "sadness": same["happiness"]}
    result = run_ood({"a": corpus(same, 0), "b": corpus(same, 10), "swap": corpus(swapped, 20)}, FAST, progress=False)
    scores = {key: cell.macro_f1 for key, cell in by_cell(result).items()}
    expected = {(train, test): 1.0 if train == test or "swap" not in (train, test) else 0.0
                for train in ("a", "b", "swap") for test in ("a", "b", "swap")}
    assert scores == expected
    assert result.eligible == ["a", "b", "swap"]
    assert all(cell.ood_eligible == (cell.train_corpus != cell.test_corpus) for cell in result.cells)
    assert all(cell.n == 48 and cell.dropped_other == 0 for cell in result.cells)
    # rows: a = b = [1, 1, 0], swap = [0, 0, 1]; row means of the off-diagonal cells 0.5, 0.5, 0
    row_means = np.array([0.5, 0.5, 0.0])
    reductions = result.reductions["macro_f1"]
    assert reductions["in_domain_mean"] == 1.0 and reductions["in_domain_std"] == 0.0
    assert reductions["ood_given_train"] == {"a": 0.5, "b": 0.5, "swap": 0.0}
    assert reductions["ood_unseen"] == {"a": 0.5, "b": 0.5, "swap": 0.0}
    assert reductions["ood_mean"] == pytest.approx(1 / 3)
    assert reductions["ood_std"] == pytest.approx(np.std(row_means, ddof=1))
    assert reductions["weighted_average"] == pytest.approx((1 + 1 / 3) / 2 - np.std(row_means, ddof=1) / 2)
    assert result.reductions["accuracy"]["ood_given_train"] == {"a": 0.5, "b": 0.5, "swap": 0.0}
    assert result.corpora["a"]["classes"] == list(CLASSES)
    assert result.prior == "train" and result.notes == []


def test_other_is_kept_in_domain_dropped_out_of_domain_and_never_predicted_there():
    with_other = {"neutral": one_hot(0), "anger": one_hot(1), "other": one_hot(2)}
    # corpus b's anger lies nearer to a's `other` than to a's anger: only the ban on `other` makes it anger
    without_other = {"neutral": one_hot(0), "anger": one_hot(1, 3.0) + one_hot(2, 6.0)}
    result = run_ood(
        {"a": corpus(with_other, 0, test={"neutral": 10, "anger": 10, "other": 7}), "b": corpus(without_other, 5)},
        FAST,
        progress=False,
    )
    cells = by_cell(result)
    assert cells["a", "a"].labels == ["neutral", "anger", "other"]
    assert (cells["a", "a"].n, cells["a", "a"].dropped_other, cells["a", "a"].macro_f1) == (27, 0, 1.0)
    assert cells["a", "b"].labels == ["neutral", "anger"]
    assert cells["a", "b"].confusion_matrix == [[12, 0], [0, 12]]
    assert (cells["b", "a"].n, cells["b", "a"].dropped_other) == (20, 7)
    assert cells["b", "a"].labels == ["neutral", "anger"]
    assert result.eligible == ["a", "b"]
    assert result.corpora["a"]["classes"] == ["neutral", "anger", "other"]


def test_eligibility_is_the_largest_cluster_of_identical_class_sets_without_other():
    four = ["neutral", "anger", "happiness", "sadness"]
    assert ood_eligible({"urdu": four, "demo": four + ["other"], "emodb": four + ["fear", "disgust"]}) == [
        "demo", "urdu"]
    assert ood_eligible({"a": four, "b": ["neutral", "anger"], "c": ["other", "fear"]}) == []
    seven = four + ["fear", "disgust", "surprise"]
    sets = {"x": four, "y": four, "emovo": seven, "cafe": seven, "subesco": seven}
    assert ood_eligible(sets) == ["cafe", "emovo", "subesco"]
    assert ood_eligible({"x": four, "y": four, "p": seven, "q": seven}) == ["p", "q"]  # tie: more classes wins
    calm, tense = ["neutral", "sadness"], ["fear", "anger"]
    assert ood_eligible({"d": calm, "c": calm, "b": tense, "a": tense[::-1]}) == ["a", "b"]  # full tie: names


def test_no_eligible_pair_still_gives_the_full_matrix_without_reductions():
    two = {"neutral": one_hot(0), "anger": one_hot(1)}
    three = {**two, "sadness": one_hot(0) + one_hot(2, 4.0)}  # b's sadness: a's neutral, marked on a third axis
    result = run_ood({"a": corpus(two, 0), "b": corpus(three, 3)}, FAST, progress=False)
    assert len(result.cells) == 4 and not any(cell.ood_eligible for cell in result.cells)
    assert result.eligible == [] and result.reductions == dict.fromkeys(
        ["macro_f1", "uar", "accuracy", "macro_f1_training_classes", "uar_training_classes"])
    assert "no two corpora share exactly the same classes" in result.notes[0]
    cell = by_cell(result)["a", "b"]  # b's sadness is scored, but a's probe cannot predict it
    assert cell.labels == ["neutral", "anger", "sadness"]
    assert cell.confusion_matrix == [[12, 0, 0], [0, 12, 0], [12, 0, 0]]
    # recalls neutral 1, anger 1, sadness 0; F1 neutral 2·(1/2·1)/(1/2 + 1) = 2/3, anger 1, sadness 0
    assert (cell.uar, cell.uar_training_classes) == pytest.approx((2 / 3, 2 / 3))
    assert (cell.macro_f1, cell.macro_f1_training_classes) == pytest.approx((5 / 9, 5 / 9))
    # b's probe knows sadness, which a's test split lacks: the rule scores a's two classes, the variant all three
    cell = by_cell(result)["b", "a"]
    assert (cell.labels, cell.confusion_matrix) == (["neutral", "anger", "sadness"], [[12, 0, 0], [0, 12, 0], [0, 0, 0]])
    assert (cell.uar, cell.macro_f1, cell.accuracy) == (1.0, 1.0, 1.0)
    assert (cell.uar_training_classes, cell.macro_f1_training_classes) == pytest.approx((2 / 3, 2 / 3))


# ---------------------------------------------------------------------------------------------------------------------
# logit adjustment


def test_adjust_and_predict_in_each_prior_mode():
    log_probs = np.log([[0.6, 0.4], [0.3, 0.7], [0.55, 0.45], [0.2, 0.8]])  # logits up to a constant per row
    classes = ["neutral", "anger"]
    unadjusted = ["neutral", "anger", "neutral", "anger"]
    assert adjust_and_predict(log_probs, classes, [3, 1], "none").tolist() == unadjusted
    # minus log([0.75, 0.25]): 0.6/0.75 < 0.4/0.25, so the first utterance flips to the minority class
    assert adjust_and_predict(log_probs, classes, [3, 1], "train").tolist() == ["anger"] * 4
    # plus log(test prior): a test prior equal to the training prior cancels the adjustment
    references = ["neutral", "neutral", "neutral", "anger"]
    assert adjust_and_predict(log_probs, classes, [3, 1], "test", references).tolist() == unadjusted
    # a class absent from the test references is never predicted under the test prior
    assert adjust_and_predict(log_probs, classes, [3, 1], "test", ["neutral"] * 4).tolist() == ["neutral"] * 4
    # test: logit − log(train prior) + log(test prior). Balanced training, test prior 1:9 adds log 9 = 2.197 to
    # anger's margin, so a neutral lead of 2.1 flips and a lead of 2.3 does not
    nine_angry = ["neutral"] + ["anger"] * 9
    logits = np.array([[2.1, 0.0], [2.3, 0.0]])
    assert adjust_and_predict(logits, classes, [5, 5], "test", nine_angry).tolist() == ["anger", "neutral"]
    assert adjust_and_predict(logits, classes, [1, 9], "test", nine_angry).tolist() == ["neutral", "neutral"]
    with pytest.raises(OodInputError, match="prior is 'uniform'"):
        adjust_and_predict(log_probs, classes, [3, 1], "uniform")
    with pytest.raises(OodInputError, match="needs the test references"):
        adjust_and_predict(log_probs, classes, [3, 1], "test")


def silent(counts: dict) -> datasets.Dataset:
    """Utterances of three all-zero frames: the probe can learn nothing but the class prior."""
    labels = [FEATURES["emotion"].str2int(label) for label, count in counts.items() for _ in range(count)]
    return datasets.Dataset.from_dict({"frames": [np.zeros((3, 6))] * len(labels), "emotion": labels},
                                      features=FEATURES)


def test_prior_modes_in_the_protocol_and_the_test_prior_is_flagged():
    corpora = {
        "a": datasets.DatasetDict({"train": silent({"neutral": 45, "anger": 5}),
                                   "test": silent({"neutral": 10, "anger": 10})}),
        "b": datasets.DatasetDict({"train": silent({"neutral": 45, "anger": 5}), "test": silent({"neutral": 10})}),
    }
    settings = ProbeSettings(hidden_size=32, dropout=0.0, epochs=30, batch_size=10, learning_rate=1e-2,
                             label_smoothing=0.3)
    results = {prior: run_ood(corpora, settings, prior=prior, progress=False) for prior in ("none", "train", "test")}
    # no adjustment: the 9:1 training prior wins every utterance
    assert by_cell(results["none"])["a", "a"].confusion_matrix == [[10, 0], [10, 0]]
    assert "no logit adjustment" in results["none"].notes[0]
    # training prior removed: the label-smoothed probe learns at most log((0.7·0.9 + ε/8)/(0.7·0.1 + ε/8)) = 1.83
    # between the classes (ε = 0.3), less than log 9 = 2.20, so anger wins every utterance
    assert by_cell(results["train"])["a", "a"].confusion_matrix == [[0, 10], [0, 10]]
    assert results["train"].notes == []
    # test prior, out of domain: b's test split holds only neutral, so only neutral is predicted there
    cell = by_cell(results["test"])["a", "b"]
    assert (cell.accuracy, cell.labels, cell.confusion_matrix) == (1.0, ["neutral", "anger"], [[10, 0], [0, 0]])
    # in domain the code adjusts nothing: the same probe (same seed) gives the unadjusted cells
    for name in ("a", "b"):
        assert by_cell(results["test"])[name, name] == by_cell(results["none"])[name, name]
    assert results["test"].prior == "test" and "TEST split's class prior" in results["test"].notes[0]


# ---------------------------------------------------------------------------------------------------------------------
# probe, determinism, serialisation, bad input


def test_probe_is_the_codes_head_with_529928_parameters_at_1024_features():
    probe = mlp_probe(1024)
    # hidden 1024·512 + 512, LayerNorm 2·512, output 512·8 + 8
    assert sum(parameter.numel() for parameter in probe.parameters()) == 529_928
    assert [type(layer).__name__ for layer in probe] == ["Linear", "LayerNorm", "GELU", "Dropout", "Linear"]
    assert (probe[3].p, probe[4].out_features, len(EMOTIONS)) == (0.1, 8, 8)
    defaults = ProbeSettings()
    assert (defaults.hidden_size, defaults.dropout, defaults.epochs, defaults.batch_size, defaults.learning_rate,
            defaults.weight_decay, defaults.warmup_fraction, defaults.label_smoothing, defaults.max_grad_norm,
            defaults.seed) == (512, 0.1, 100, 32, 1e-4, 0.1, 0.1, 0.1, 0.5, 34)
    sources = reference_settings()
    assert [row["setting"] for row in sources] == list(ProbeSettings.__dataclass_fields__)
    assert all(row["source"] in ProbeSettings.__doc__ for row in sources)


def test_probe_initialisation_xavier_uniform_hidden_and_normal_output_with_zero_biases():
    torch.manual_seed(0)
    hidden, norm, _, _, output = mlp_probe(1024)
    bound = math.sqrt(6 / (1024 + 512))  # Xavier-uniform: U(−b, b), b = sqrt(6 / (fan_in + fan_out)) = 1/16
    assert bound == 1 / 16
    assert hidden.weight.abs().max().item() <= bound and hidden.weight.abs().max().item() > 0.999 * bound
    assert hidden.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.01)  # 524,288 draws
    assert output.weight.std().item() == pytest.approx(1 / math.sqrt(512), rel=0.05)  # 4,096 draws
    assert abs(output.weight.mean().item()) < 0.1 / math.sqrt(512)
    # normal, not uniform: a uniform of that std never exceeds sqrt(3)·std; 4,096 normal draws do
    assert output.weight.abs().max().item() > math.sqrt(3) / math.sqrt(512)
    assert not hidden.bias.any() and not output.bias.any() and not norm.bias.any() and bool((norm.weight == 1).all())


def test_the_loss_is_label_smoothed_cross_entropy_of_the_mean_frame_logits_per_utterance():
    frame_logits = torch.tensor([[1.0, 0, 0], [3, 0, 0],  # utterance 1, 2 frames: mean [2, 0, 0]
                                 [0, 0, 0], [0, 3, 0], [0, 0, 3]])  # utterance 2, 3 frames: mean [0, 1, 1]
    lengths, targets = torch.tensor([2, 3]), torch.tensor([0, 1])
    assert utterance_logits(frame_logits, lengths).tolist() == [[2, 0, 0], [0, 1, 1]]
    # smoothed target: 1 − ε + ε/3 for the true class, ε/3 for the others; loss −Σ q log softmax
    smoothing = 0.1
    true, rest = 1 - smoothing + smoothing / 3, smoothing / 3
    first = math.log(math.exp(2) + 2) - true * 2  # log-softmax [2 − L, −L, −L], L = log(e² + 2)
    second = math.log(1 + 2 * math.e) - (true + rest)  # log-softmax [−L, 1 − L, 1 − L], L = log(1 + 2e)
    assert probe_loss(frame_logits, lengths, targets, smoothing).item() == pytest.approx((first + second) / 2)


def test_one_cycle_schedule_learning_rates_and_beta1_by_hand():
    optimizer, schedule = probe_optimizer(mlp_probe(4, 4), ProbeSettings(), total_steps=100)
    assert type(optimizer).__name__ == "AdamW" and optimizer.defaults["weight_decay"] == 0.1
    rates, betas = [], []
    for _ in range(100):
        rates.append(schedule.get_last_lr()[0])
        betas.append(optimizer.param_groups[0]["betas"][0])
        optimizer.step()
        schedule.step()
    peak, start, end = 1e-4, 1e-4 / 25, 1e-4 / 25 / 1e4  # div_factor 25, final_div_factor 1e4

    def cosine(high, low, fraction):  # from high to low along half a cosine
        return low + (high - low) * (1 + math.cos(math.pi * fraction)) / 2

    # warm-up: steps 0..9 (pct_start · 100 − 1 = 9), then down to step 99
    assert rates[0] == pytest.approx(start) and rates[9] == pytest.approx(peak) and rates[99] == pytest.approx(end)
    assert rates[4] == pytest.approx(cosine(start, peak, 4 / 9))
    assert rates[54] == pytest.approx((peak + end) / 2)
    assert rates[30] == pytest.approx(cosine(peak, end, 21 / 90))
    assert max(rates) == rates[9]
    assert (betas[0], betas[9], betas[99]) == pytest.approx((0.95, 0.85, 0.95))


def test_training_steps_the_schedule_once_per_full_batch_of_utterances(monkeypatch):
    totals = []

    def recording(model, settings, total_steps):
        optimizer, schedule = probe_optimizer(model, settings, total_steps)
        totals.append((total_steps, schedule))
        return optimizer, schedule

    monkeypatch.setattr("ser_hub.protocols.ood.probe_optimizer", recording)
    centres = {"neutral": one_hot(0), "anger": one_hot(1)}
    for per_class in (20, 23):  # 40 and 46 utterances: 5 full batches of 8 either way, the rest dropped
        train = _read_split(split(centres, dict.fromkeys(centres, per_class), 0), "a", "train", "frames", "emotion")
        _train_probe(train, ProbeSettings(hidden_size=8, epochs=3, batch_size=8), "", progress=False)
    assert [(total, schedule.last_epoch) for total, schedule in totals] == [(15, 15), (15, 15)]


def test_label_smoothing_caps_the_utterance_confidence_at_one_minus_epsilon_plus_epsilon_over_eight():
    train = _read_split(split({"neutral": one_hot(0), "anger": one_hot(1)}, {"neutral": 20, "anger": 20}, 0),
                        "a", "train", "frames", "emotion")
    for smoothing in (0.1, 0.3):  # the smoothed target of the true class over 8 outputs: 1 − ε + ε/8
        settings = ProbeSettings(hidden_size=32, dropout=0.0, epochs=60, batch_size=8, learning_rate=1e-2,
                                 weight_decay=0.0, label_smoothing=smoothing)
        probe = _train_probe(train, settings, "", progress=False)
        probabilities = torch.from_numpy(_split_logits(probe.model, train)).softmax(-1).numpy()
        true_class = np.where(train.labels == "anger", EMOTIONS.index("anger"), EMOTIONS.index("neutral"))
        assert probabilities[np.arange(40), true_class].mean() == pytest.approx(1 - smoothing + smoothing / 8, abs=0.01)


def test_runs_are_deterministic_and_json_serialisable():
    centres = {"neutral": one_hot(0, 1.0), "anger": one_hot(1, 1.0), "sadness": one_hot(2, 1.0)}
    corpora = {"a": corpus(centres, 0), "b": corpus(centres, 7)}
    settings = ProbeSettings(hidden_size=16, epochs=3, batch_size=8, seed=3)
    first = run_ood(corpora, settings, progress=False).to_dict()
    assert run_ood(corpora, settings, progress=False).to_dict() == first
    assert json.loads(json.dumps(first)) == first
    assert first["settings"] == {"hidden_size": 16, "dropout": 0.1, "epochs": 3, "batch_size": 8,
                                 "learning_rate": 1e-4, "weight_decay": 0.1, "warmup_fraction": 0.1,
                                 "label_smoothing": 0.1, "max_grad_norm": 0.5, "seed": 3}
    assert first["corpora"]["a"]["feature_size"] == 6 and first["corpora"]["a"]["train_utterances"] == 36


def test_frames_stored_as_array2d_as_the_feature_extractors_write_them_give_the_same_result():
    centres = {"neutral": one_hot(0, 1.0), "anger": one_hot(1, 1.0)}
    corpora = {"a": corpus(centres, 0), "b": corpus(centres, 7)}
    array2d = {name: parts.cast_column("frames", datasets.Array2D(shape=(None, 6), dtype="float32"))
               for name, parts in corpora.items()}
    settings = ProbeSettings(hidden_size=16, epochs=3, batch_size=8)
    assert run_ood(array2d, settings, progress=False) == run_ood(corpora, settings, progress=False)


def test_bad_input_is_named():
    centres = {"neutral": one_hot(0), "anger": one_hot(1)}
    good = corpus(centres, 0)
    with pytest.raises(OodInputError, match="needs two or more corpora"):
        run_ood({"a": good}, FAST, progress=False)
    with pytest.raises(OodInputError, match="prior is 'test-set'"):
        run_ood({"a": good, "b": good}, FAST, prior="test-set", progress=False)
    with pytest.raises(OodInputError, match=r"'b' has no test split \(it has \['train'\]\)"):
        run_ood({"a": good, "b": datasets.DatasetDict({"train": good["train"]})}, FAST, progress=False)
    no_frames = datasets.DatasetDict({name: part.rename_column("frames", "embedding") for name, part in good.items()})
    with pytest.raises(OodInputError, match="'b' train has no 'frames' column.*frame-level extractor"):
        run_ood({"a": good, "b": no_frames}, FAST, progress=False)
    wider = datasets.DatasetDict(
        {name: split(dict.fromkeys(centres, np.zeros(8)), dict.fromkeys(centres, 3), 1, size=8) for name in good}
    )
    with pytest.raises(OodInputError, match="feature sizes differ.*b train: 8"):
        run_ood({"a": good, "b": wider}, FAST, progress=False)
    empty = good["test"].add_column("utterance_id", [f"u{index}" for index in range(24)]).select_columns(
        ["utterance_id", "emotion"]).add_column("frames", [[[0.0] * 6]] * 23 + [[]])
    with pytest.raises(OodInputError, match="'b' test utterance 'u23' has frames of shape \\(0,\\)"):
        run_ood({"a": good, "b": datasets.DatasetDict({"train": good["train"], "test": empty})}, FAST, progress=False)
    single = corpus(centres, 2, train={"neutral": 10})
    with pytest.raises(OodInputError, match="'b' train has only the class \\['neutral'\\]"):
        run_ood({"a": good, "b": single}, FAST, progress=False)
    only_other = corpus({**centres, "other": one_hot(2)}, 3, test={"other": 4})
    with pytest.raises(OodInputError, match="'b' test holds only 'other' utterances"):
        run_ood({"a": good, "b": only_other}, FAST, progress=False)
    with pytest.raises(OodInputError, match=r"'a' train has 24 utterances, fewer than one batch of 32"):
        run_ood({"a": good, "b": good}, ProbeSettings(), progress=False)
    strings = datasets.DatasetDict({name: part.cast_column("emotion", datasets.Value("string")) for name, part in good.items()})
    calm = datasets.DatasetDict({"train": strings["train"].map(lambda row: {"emotion": "calm"}), "test": strings["test"]})
    with pytest.raises(OodInputError, match=r"'b' train has labels \['calm'\] outside the unified emotions"):
        run_ood({"a": good, "b": calm}, FAST, progress=False)
    with pytest.raises(OodInputError, match=r"ProbeSettings epochs is 0: give a positive integer \(SER Evals' code: 100\)"):
        ProbeSettings(epochs=0)
    with pytest.raises(OodInputError, match="unknown metric 'f1'"):
        run_ood({"a": good, "b": good}, FAST, progress=False).scores("f1")


# ---------------------------------------------------------------------------------------------------------------------
# real corpora: URDU and the demo corpus through a tiny log-mel frame extractor


def log_mel_frames(dataset: datasets.DatasetDict) -> datasets.DatasetDict:
    """32-band log-mel frames averaged over blocks of ten (10 frames per second): a tiny frame-level extractor."""
    front_end = LogMelFeatureExtractor(feature_size=32, n_fft=400, win_length=400, hop_length=160)

    def extract(batch):
        frames = []
        for audio in batch["audio"]:
            log_mel = front_end.log_mel(audio.get_all_samples().data[0].numpy()).T.numpy()
            frames.append([block.mean(axis=0) for block in np.array_split(log_mel, max(1, len(log_mel) // 10))])
        return {"frames": frames}

    return dataset.map(extract, batched=True, batch_size=50, remove_columns=["audio"])


def test_real_urdu_and_demo_corpora_give_a_complete_matrix(urdu_dir, tmp_path):
    cache = str(tmp_path / "cache")
    corpora = {
        "urdu": log_mel_frames(ser_hub.load_corpus("urdu", urdu_dir, cache_dir=cache)),
        "demo": log_mel_frames(ser_hub.load_corpus("demo", synthesize_demo_corpus(tmp_path / "demo"), cache_dir=cache)),
    }
    settings = ProbeSettings(hidden_size=64, epochs=40, batch_size=16, learning_rate=1e-2)
    result = run_ood(corpora, settings, progress=False)
    assert [(cell.train_corpus, cell.test_corpus) for cell in result.cells] == [
        ("urdu", "urdu"), ("urdu", "demo"), ("demo", "urdu"), ("demo", "demo")]
    assert {cell.test_corpus: cell.n for cell in result.cells} == {"urdu": 96, "demo": 40}
    assert all(np.sum(cell.confusion_matrix) == cell.n for cell in result.cells)
    assert all(cell.labels == list(CLASSES) for cell in result.cells)
    assert result.eligible == ["demo", "urdu"]
    assert result.corpora["urdu"]["classes"] == result.corpora["demo"]["classes"] == list(CLASSES)
    assert result.corpora["urdu"]["train_utterances"] == 274 and result.corpora["demo"]["train_utterances"] == 60
    for metric in ("macro_f1", "uar", "accuracy", "macro_f1_training_classes", "uar_training_classes"):
        assert result.reductions[metric] == ood_matrix_scores(*result.scores(metric), eligible=["demo", "urdu"])
    assert by_cell(result)["demo", "demo"].macro_f1 > 0.5  # four prosody settings: well above chance (0.25)
    assert json.loads(json.dumps(result.to_dict()))["cells"][0]["train_corpus"] == "urdu"
