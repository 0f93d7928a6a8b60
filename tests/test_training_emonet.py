"""EmoNet multi-corpus training and transfer (`scripts/train_emonet.py`, `ser_hub.training.emonet`): the round-robin
sampler, the plateau schedule, random crops, per-mode parameter set-up, and end-to-end runs of the script (scratch,
transfer with the McNemar comparison, multi) with a tiny network on slices of the real URDU corpus and the demo
corpus."""

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import datasets
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch
from accelerate.data_loader import BatchSamplerShard
from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

import ser_hub  # noqa: F401  (registers the model families)
from ser_hub.audio import resample
from ser_hub.corpora import NamedCorpus
from ser_hub.demo import synthesize_demo_corpus
from ser_hub.metrics import classification_scores, mcnemar_test
from ser_hub.models.emonet import EmoNetConfig, EmoNetFeatureExtractor, EmoNetForSequenceClassification
from ser_hub.training.common import load_uar_metric
from ser_hub.training.emonet import (
    EmoNetArguments,
    EmoNetCollator,
    EmoNetTrainer,
    EmoNetTrainingArguments,
    EmoNetTrainingError,
    PlateauStop,
    RoundRobinBatchSampler,
    compare,
    load_mcnemar,
    load_splits,
    new_model,
    pretrained_model,
    results_table,
    uar_by_logits_width,
)
from test_models_emonet import TINY, URDU_NAMES

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_emonet.py"
RATE = 16000


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("train_emonet", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, urdu_dir):
    """The corpora (real URDU, the synthetic demo), a shared corpus cache and a tiny EmoNet configuration."""
    root = tmp_path_factory.mktemp("emonet")
    EmoNetConfig(**TINY).save_pretrained(root / "tiny")
    return SimpleNamespace(
        root=root, urdu=urdu_dir, demo=synthesize_demo_corpus(root / "demo"), cache=root / "cache", config=root / "tiny"
    )


def script_arguments(workspace, output_dir, *extra, epochs=1) -> list[str]:
    """A short run: 16 training, 8 validation and 8 test clips per corpus, batches of 8."""
    return [
        "--config_name", str(workspace.config), "--corpus_cache_dir", str(workspace.cache),
        "--max_train_samples", "16", "--max_eval_samples", "8", "--max_test_samples", "8",
        "--per_device_train_batch_size", "8", "--num_train_epochs", str(epochs), "--plateau_patience", "5",
        "--output_dir", str(output_dir), "--seed", "0", *extra,
    ]


def corpora(workspace) -> list[str]:
    return ["--corpus", f"urdu={workspace.urdu}", "--corpus", f"demo={workspace.demo}"]


# --- round-robin sampler -----------------------------------------------------------------------------------------


def test_round_robin_sampler_visits_corpora_in_turn_with_single_domain_batches():
    domains = ["a"] * 10 + ["b"] * 25 + ["c"] * 3
    sampler = RoundRobinBatchSampler(domains, batch_size=4, seed=0)
    batches = list(sampler)
    # b has the most batches (25 // 4 = 6): six rounds of a, b, c; c (3 clips) has batches of 3.
    assert len(sampler) == len(batches) == 18
    assert ["".join(sorted({domains[index] for index in batch})) for batch in batches] == ["a", "b", "c"] * 6
    assert [len(batch) for batch in batches] == [4, 4, 3] * 6
    b_indices = [index for batch in batches[1::3] for index in batch]
    assert len(set(b_indices)) == 24 and set(b_indices) <= set(range(10, 35))  # one pass, the remainder left out
    for start in range(0, 6, 2):  # a: passes of two batches, each pass without repeats
        a_pass = [index for batch in batches[3 * start : 3 * start + 6 : 3] for index in batch]
        assert len(set(a_pass)) == 8 and set(a_pass) <= set(range(10))


def test_round_robin_gives_every_process_the_same_domain_at_each_step():
    """accelerate deals the batches in turn to the processes (`BatchSamplerShard`): with two processes each step has
    two batches of one domain, one per process, and each process still visits the corpora in turn."""
    domains = ["a"] * 20 + ["b"] * 9
    sampler = RoundRobinBatchSampler(domains, batch_size=4, seed=0, replicas=2)
    assert len(sampler) == 8  # (20 // 4) // 2 = 2 rounds of two batches of a and two of b
    shards = [list(BatchSamplerShard(sampler, num_processes=2, process_index=rank)) for rank in range(2)]
    for shard in shards:
        assert ["".join({domains[index] for index in batch}) for batch in shard] == ["a", "b", "a", "b"]
    a_indices = [index for shard in shards for batch in shard[::2] for index in batch]
    assert len(set(a_indices)) == 16  # the two processes' batches of a step are different clips


def test_round_robin_order_depends_only_on_seed_and_epoch():
    domains = ["a"] * 9 + ["b"] * 9
    first, second = RoundRobinBatchSampler(domains, 3, seed=1), RoundRobinBatchSampler(domains, 3, seed=1)
    assert list(first) == list(second) == list(first)  # every process, every pass over the same epoch
    second.set_epoch(1)
    assert list(second) != list(first)
    assert list(second) != list(RoundRobinBatchSampler(domains, 3, seed=2))


def test_round_robin_refuses_a_domain_with_a_single_utterance():
    with pytest.raises(EmoNetTrainingError, match=r"domains \['b'\] have fewer than two training utterances"):
        RoundRobinBatchSampler(["a", "a", "b"], batch_size=2)


# --- plateau schedule --------------------------------------------------------------------------------------------


def test_plateau_schedule_divides_the_rate_twice_then_stops(tmp_path):
    """Evaluations as `Trainer` runs them: `PlateauStop` inside `evaluate`, then the scheduler steps."""
    trainer = EmoNetTrainer.__new__(EmoNetTrainer)
    trainer.args = EmoNetTrainingArguments(output_dir=str(tmp_path), learning_rate=0.1)
    trainer.plateau_patience, trainer.lr_scheduler = 2, None
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = trainer.create_scheduler(100, optimizer)
    stop = PlateauStop(patience=2, final_learning_rate=0.1 * 0.1**2)
    uars = [0.5, 0.4, 0.4, 0.6, 0.6, 0.5, 0.7, 0.6, 0.6, 0.9]
    rates, stops = [], []
    for uar in uars:
        rates.append(optimizer.param_groups[0]["lr"])
        stops.append(stop.update(uar, rates[-1]))
        scheduler.step(uar)
    # two evaluations without a better UAR: 0.1 -> 0.01 after the third and sixth; at 0.001 two more end training
    assert rates == pytest.approx([0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.001])
    assert stops == [False] * 8 + [True, False]


def test_plateau_stop_waits_for_the_final_rate():
    stop = PlateauStop(patience=2, final_learning_rate=0.001)
    assert [stop.update(0.5, 0.1), stop.update(0.4, 0.1), stop.update(0.3, 0.1)] == [False, False, False]
    # at the final rate the wait starts again: two evaluations without a better UAR
    assert [stop.update(0.3, 0.001), stop.update(0.3, 0.001)] == [False, True]


# --- data --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def urdu_splits(workspace):
    arguments = EmoNetArguments(corpus=[f"urdu={workspace.urdu}"], corpus_cache_dir=str(workspace.cache))
    return load_splits("urdu", NamedCorpus("urdu", str(workspace.urdu)), arguments, seed=0, sampling_rate=RATE)


def test_splits_keep_the_native_classes_and_name_the_domain(urdu_splits):
    splits, names = urdu_splits
    assert names == ["Angry", "Happy", "Neutral", "Sad"]
    assert {split: len(dataset) for split, dataset in splits.items()} == {"train": 274, "validation": 30, "test": 96}
    assert splits["train"].column_names == ["audio", "utterance_id", "labels", "domain"]
    assert set(splits["test"]["domain"]) == {"urdu"}
    first = splits["train"][0]
    assert (first["utterance_id"], first["labels"]) == ("SM1_F10_A010", 0)


def test_splits_refuse_fold_protocols_and_non_class_columns(workspace):
    folds = EmoNetArguments(corpus=[], protocol="kfold-2", corpus_cache_dir=str(workspace.cache))
    with pytest.raises(EmoNetTrainingError, match=r"gives splits \['fold_0', 'fold_1'\]; EmoNet needs train"):
        load_splits("urdu", NamedCorpus("urdu", str(workspace.urdu)), folds, seed=0, sampling_rate=RATE)
    ids = EmoNetArguments(corpus=[], label_column="utterance_id", corpus_cache_dir=str(workspace.cache))
    with pytest.raises(EmoNetTrainingError, match="'utterance_id' is not a class column"):
        load_splits("urdu", NamedCorpus("urdu", str(workspace.urdu)), ids, seed=0, sampling_rate=RATE)


def test_collator_crops_long_clips_at_random_in_training_and_from_the_start_otherwise(tmp_path, urdu_dir):
    clips = [resample(*sf.read(urdu_dir / name, dtype="float32"), RATE) for name in
             ("Angry/SM1_F10_A010.wav", "Sad/SF10_F1_S01.wav", "Angry/SM1_F8_A08.wav")]
    long_clip = np.concatenate(clips)  # 6.5 s
    sf.write(tmp_path / "long.wav", long_clip, RATE, subtype="FLOAT")
    sf.write(tmp_path / "short.wav", clips[0], RATE, subtype="FLOAT")
    rows = datasets.Dataset.from_dict({
        "audio": [str(tmp_path / "long.wav"), str(tmp_path / "short.wav")], "utterance_id": ["long", "short"],
        "labels": [2, 0], "domain": ["urdu", "urdu"],
    }).cast_column("audio", datasets.Audio(sampling_rate=RATE))
    extractor = EmoNetFeatureExtractor()
    evaluation = EmoNetCollator(extractor)([rows[0], rows[1]])
    expected = extractor([long_clip[: 5 * RATE], clips[0]], sampling_rate=RATE, return_tensors="pt")
    torch.testing.assert_close(evaluation["input_features"], expected["input_features"])
    assert evaluation["labels"].tolist() == [2, 0] and evaluation["domain"] == "urdu"
    assert evaluation["attention_mask"].sum(-1).tolist() == [1 + 5 * RATE // 256, 1 + len(clips[0]) // 256]
    training = EmoNetCollator(extractor, np.random.default_rng(0))
    windows = [training([rows[0]])["input_features"] for _ in range(3)]
    assert all(window.shape == (1, 1, 64, 1 + 5 * RATE // 256) for window in windows)
    assert len({window.sum().item() for window in windows}) > 1  # a new window each time
    rng = np.random.default_rng(0)
    start = int(rng.integers(0, len(long_clip) - 5 * RATE + 1))
    window = extractor(long_clip[start : start + 5 * RATE], sampling_rate=RATE, return_tensors="pt")
    torch.testing.assert_close(windows[0], window["input_features"])
    mixed = dict(rows[1], domain="demo")
    with pytest.raises(EmoNetTrainingError, match=r"a batch mixes the domains \['demo', 'urdu'\]"):
        training([rows[0], mixed])


# --- models per mode ---------------------------------------------------------------------------------------------


def pretrained(tmp_path, domains, **config) -> Path:
    torch.manual_seed(0)
    model = EmoNetForSequenceClassification(EmoNetConfig(domains=domains, **TINY, **config))
    model.save_pretrained(tmp_path / "pretrained")
    return tmp_path / "pretrained"


def mode_arguments(mode, path, **kwargs) -> EmoNetArguments:
    return EmoNetArguments(corpus=[], mode=mode, model_name_or_path=str(path), **kwargs)


def domain_state(model, domain) -> dict[str, torch.Tensor]:
    return {name.replace(f".{domain}.", ".*."): tensor for name, tensor in model.state_dict().items()
            if f".{domain}." in name and not name.startswith("heads.")}


def test_new_models_replace_the_configs_domains_with_the_corpora_and_their_class_names(tmp_path):
    EmoNetConfig(domains={"old": 2}, domain_labels={"old": ["x", "y"]}, **TINY).save_pretrained(tmp_path)
    model = new_model(EmoNetArguments(corpus=[], config_name=str(tmp_path)), {"urdu": URDU_NAMES, "demo": ["a", "b"]})
    assert model.config.domains == {"urdu": 4, "demo": 2}
    assert model.config.domain_labels == {"urdu": URDU_NAMES, "demo": ["a", "b"]}


def test_transfer_adds_fresh_adapters_and_trains_only_domain_parameters(tmp_path):
    path = pretrained(tmp_path, {"demo": 4}, domain_labels={"demo": list("abcd")})
    model = pretrained_model(mode_arguments("transfer", path), "urdu", [*URDU_NAMES, "Surprised"])
    assert model.config.domains == {"demo": 4, "urdu": 5}
    assert model.config.domain_labels == {"demo": list("abcd"), "urdu": [*URDU_NAMES, "Surprised"]}
    trainable = {name for name, parameter in model.named_parameters() if parameter.requires_grad}
    assert trainable == {name for name, _ in model.named_parameters() if ".urdu." in name or ".demo." in name}
    assert not torch.equal(model.emonet.stem.adapters["urdu"].weight, model.emonet.stem.adapters["demo"].weight)


@pytest.mark.parametrize("mode", ["head", "finetune"])
def test_head_and_finetune_start_a_new_corpus_from_the_source_domain(tmp_path, mode):
    path = pretrained(tmp_path, {"demo": 4, "iemocap": 4})
    with pytest.raises(EmoNetTrainingError, match=r"pass --source_domain, one of \['demo', 'iemocap'\]"):
        pretrained_model(mode_arguments(mode, path), "urdu", URDU_NAMES)
    model = pretrained_model(mode_arguments(mode, path, source_domain="iemocap"), "urdu", URDU_NAMES)
    assert model.config.domain_labels == {"urdu": URDU_NAMES}
    source, copied = domain_state(model, "iemocap"), domain_state(model, "urdu")
    assert source.keys() == copied.keys() and all(torch.equal(source[name], copied[name]) for name in source)
    trainable = {name for name, parameter in model.named_parameters() if parameter.requires_grad}
    if mode == "head":
        assert trainable == {name for name, _ in model.named_parameters() if name.startswith("heads.urdu.")}
    else:
        assert trainable == {name for name, _ in model.named_parameters()}


def test_a_known_corpus_keeps_its_domain_and_must_keep_its_classes(tmp_path):
    path = pretrained(tmp_path, {"demo": 4, "urdu": 4})  # saved without class names
    reference = EmoNetForSequenceClassification.from_pretrained(path)
    model = pretrained_model(mode_arguments("transfer", path), "urdu", URDU_NAMES)
    assert model.config.domains == {"demo": 4, "urdu": 4} and model.config.domain_labels == {"urdu": URDU_NAMES}
    assert all(torch.equal(tensor, reference.state_dict()[name]) for name, tensor in model.state_dict().items())
    with pytest.raises(EmoNetTrainingError, match=r"4-class domain 'urdu' \(classes unnamed\), but the corpus has 2"):
        pretrained_model(mode_arguments("transfer", path), "urdu", ["Angry", "Sad"])
    model.save_pretrained(path)
    with pytest.raises(EmoNetTrainingError, match=r"'urdu' \(classes \['Angry', 'Happy', 'Neutral', 'Sad'\]\), but "
                                                  r"the corpus has 4 classes in 'native_label' \(\['a', 'b', 'c', 'd'\]\)"):
        pretrained_model(mode_arguments("transfer", path), "urdu", list("abcd"))


def test_modes_on_a_pretrained_model_need_one():
    with pytest.raises(EmoNetTrainingError, match="--mode transfer trains on top of a pre-trained EmoNet"):
        EmoNetArguments(corpus=["urdu=x"], mode="transfer")


# --- training ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_loss_is_finite_and_decreases_on_a_fixed_batch(urdu_splits, tmp_path):
    splits, names = urdu_splits
    batch = splits["train"].shuffle(seed=0).select(range(8))  # one batch per epoch: the same eight clips each step
    torch.manual_seed(0)
    model = EmoNetForSequenceClassification(EmoNetConfig(domains={"urdu": 4}, **TINY))
    extractor = EmoNetFeatureExtractor()
    args = EmoNetTrainingArguments(
        output_dir=str(tmp_path), learning_rate=0.05, per_device_train_batch_size=8, max_steps=6,
        lr_scheduler_type="constant", eval_strategy="no", save_strategy="no", load_best_model_at_end=False,
        logging_strategy="steps", logging_steps=1,
    )
    trainer = EmoNetTrainer(
        model=model, args=args, train_dataset=batch,
        data_collator=EmoNetCollator(extractor), train_collator=EmoNetCollator(extractor, np.random.default_rng(0)),
        compute_metrics=uar_by_logits_width(load_uar_metric()), domain_class_weights={"urdu": torch.ones(4)},
        plateau_patience=50,
    )
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 6 and np.all(np.isfinite(losses))
    assert losses[-1] < losses[0] and losses[-1] == min(losses)


@pytest.fixture(scope="module")
def scratch_run(script, workspace):
    output = workspace.root / "scratch"
    script.main(script_arguments(workspace, output, "--mode", "scratch", *corpora(workspace), epochs=2))
    return output


@pytest.mark.slow
def test_scratch_trains_one_model_per_corpus_that_reloads_and_reproduces_its_predictions(scratch_run, workspace):
    table = pd.read_csv(scratch_run / "emonet_table.csv")
    saved = {corpus: json.loads((scratch_run / corpus / "test_predictions.json").read_text())[corpus]
             for corpus in ("urdu", "demo")}
    assert table.to_dict("records") == [
        {"corpus": corpus, "chance": 25.0, "scratch": round(100 * saved[corpus]["uar"], 1)} for corpus in saved
    ]
    for corpus, predictions in saved.items():
        folder = scratch_run / corpus
        model = AutoModelForAudioClassification.from_pretrained(folder).eval()
        assert type(model) is EmoNetForSequenceClassification and model.config.domains == {corpus: 4}
        arguments = EmoNetArguments(corpus=[], max_test_samples=8, corpus_cache_dir=str(workspace.cache))
        splits, names = load_splits(corpus, NamedCorpus(corpus, str(getattr(workspace, corpus))), arguments, seed=0, sampling_rate=RATE)
        assert model.config.domain_labels == {corpus: names}
        test = splits["test"]
        assert predictions["labels"] == names and predictions["utterance_id"] == list(test["utterance_id"])
        assert predictions["references"] == list(test["labels"])
        with torch.no_grad():
            inputs = EmoNetCollator(AutoFeatureExtractor.from_pretrained(folder))(list(test))
            reloaded = model(**inputs).logits.argmax(-1).tolist()
        assert reloaded == predictions["predictions"]
        scores = classification_scores(predictions["predictions"], predictions["references"], labels=range(4))
        assert predictions["uar"] == pytest.approx(scores["uar"])
        state = json.loads((folder / "trainer_state.json").read_text())
        assert [entry["eval_uar"] for entry in state["log_history"] if "eval_uar" in entry] == [
            entry[f"eval_{corpus}_uar"] for entry in state["log_history"] if f"eval_{corpus}_uar" in entry
        ]
        assert state["best_metric"] == max(entry["eval_uar"] for entry in state["log_history"] if "eval_uar" in entry)


@pytest.mark.slow
def test_transfer_trains_only_the_new_domain_and_is_compared_with_its_baseline(script, scratch_run, workspace, capsys):
    output = workspace.root / "transfer"
    script.main(script_arguments(
        workspace, output, "--mode", "transfer", "--model_name_or_path", str(scratch_run / "demo"),
        "--corpus", f"urdu={workspace.urdu}", "--baseline_dir", str(scratch_run),
    ))
    printed = capsys.readouterr().out
    source = EmoNetForSequenceClassification.from_pretrained(scratch_run / "demo").state_dict()
    model = EmoNetForSequenceClassification.from_pretrained(output / "urdu")
    assert model.config.domains == {"demo": 4, "urdu": 4}
    for name, tensor in model.state_dict().items():
        if ".urdu." not in name and not name.endswith("num_batches_tracked"):
            assert torch.equal(tensor, source[name]), name  # the shared network and the demo domain are untouched
    baseline = json.loads((scratch_run / "urdu" / "test_predictions.json").read_text())["urdu"]
    transfer = json.loads((output / "urdu" / "test_predictions.json").read_text())["urdu"]
    test = mcnemar_test(baseline["predictions"], transfer["predictions"], baseline["references"])
    mark = ("+" if test["only_second_correct"] > test["only_first_correct"] else "-") if test["p_value"] < 0.05 else ""
    row = {"corpus": "urdu", "chance": 25.0, "baseline": f"{100 * baseline['uar']:.1f}",
           "transfer": f"{100 * transfer['uar']:.1f}{mark}", "p_value": float(f"{test['p_value']:.2g}")}
    assert (output / "emonet_table.md").read_text() in printed
    table = pd.read_csv(output / "emonet_table.csv", dtype={"baseline": str, "transfer": str})
    assert table.to_dict("records") == [row]
    state = json.loads((output / "urdu" / "trainer_state.json").read_text())
    assert state["log_history"][0]["learning_rate"] == 0.1


@pytest.mark.slow
def test_head_tunes_only_the_classifier_on_the_source_domain_at_the_papers_rate(script, scratch_run, workspace):
    output = workspace.root / "head"
    script.main(script_arguments(workspace, output, "--mode", "head", "--model_name_or_path",
                                 str(scratch_run / "demo"), "--corpus", f"urdu={workspace.urdu}"))
    source = EmoNetForSequenceClassification.from_pretrained(scratch_run / "demo").state_dict()
    model = EmoNetForSequenceClassification.from_pretrained(output / "urdu")
    assert model.config.domains == {"demo": 4, "urdu": 4}
    for name, tensor in model.state_dict().items():
        statistics = name.endswith(("running_mean", "running_var", "num_batches_tracked"))
        if name.startswith("heads.urdu.") or (".urdu." in name and statistics):
            continue  # the new head learns; the new domain's batch-norm statistics follow URDU
        assert torch.equal(tensor, source[name.replace(".urdu.", ".demo.")]), name
    state = json.loads((output / "urdu" / "trainer_state.json").read_text())
    assert state["log_history"][0]["learning_rate"] == 0.01


def test_comparison_marks_significant_changes_and_refuses_other_test_sets():
    references = [0] * 30
    baseline = {"utterance_id": [str(i) for i in range(30)], "references": references, "predictions": [1] * 30}
    better = dict(baseline, predictions=[0] * 25 + [1] * 5)
    mcnemar = load_mcnemar()
    result = compare(baseline, better, mcnemar)
    assert (result["mark"], result["only_second_correct"], result["method"]) == ("+", 25, "chi2_continuity_corrected")
    assert compare(better, baseline, mcnemar)["mark"] == "-"
    assert compare(baseline, dict(baseline, predictions=[0] * 2 + [1] * 28), mcnemar)["mark"] == ""
    with pytest.raises(EmoNetTrainingError, match="tested on other utterances"):
        compare(baseline, dict(better, utterance_id=list("x" * 30)), mcnemar)


def test_comparison_needs_a_scratch_run_of_the_corpus(tmp_path):
    predictions = {"urdu": {"labels": ["a", "b"], "uar": 0.5}}
    with pytest.raises(EmoNetTrainingError, match=r"urdu/test_predictions.json does not exist: --baseline_dir"):
        results_table(predictions, "transfer", tmp_path)


@pytest.mark.slow
def test_multi_trains_one_shared_model_round_robin(script, scratch_run, workspace):
    output = workspace.root / "multi"
    script.main(script_arguments(workspace, output, "--mode", "multi", *corpora(workspace),
                                 "--baseline_dir", str(scratch_run)))
    model = EmoNetForSequenceClassification.from_pretrained(output)
    assert model.config.domains == {"urdu": 4, "demo": 4}
    state = json.loads((output / "trainer_state.json").read_text())
    # 16 clips per corpus in batches of 8: two rounds of (urdu, demo) in the epoch, one optimizer step per batch
    assert state["global_step"] == 4
    per_corpus = [entry for entry in state["log_history"] if "eval_urdu_uar" in entry or "eval_demo_uar" in entry]
    pooled = [entry["eval_uar"] for entry in state["log_history"] if "eval_uar" in entry]
    means = [(urdu["eval_urdu_uar"] + demo["eval_demo_uar"]) / 2
             for urdu, demo in zip(per_corpus[::2], per_corpus[1::2])]
    assert pooled == pytest.approx(means) and len(pooled) == 1
    predictions = json.loads((output / "test_predictions.json").read_text())
    table = pd.read_csv(output / "emonet_table.csv", dtype={"baseline": str, "multi": str})
    assert list(table["corpus"]) == ["urdu", "demo"] == list(predictions)
    uars = [f"{100 * predictions[corpus]['uar']:.1f}" for corpus in predictions]
    assert [value.rstrip("+-") for value in table["multi"]] == uars
