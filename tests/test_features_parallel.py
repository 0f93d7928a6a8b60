"""Data-parallel extraction: two CPU processes under `accelerate launch` share the utterances and merge one cache."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import datasets
import numpy as np
import pytest

from ser_hub.features import extract, load_extractor
from test_features import counting, matrix, save_tiny_byol, synthetic_corpus

pytestmark = pytest.mark.slow  # real data or checkpoints end to end

WORKER = textwrap.dedent(
    """
    import json, sys
    import datasets
    from accelerate import PartialState
    from ser_hub.features import extract, load_extractor

    corpus_dir, model_dir, cache_dir, report_dir = sys.argv[1:]
    extractor = load_extractor(model_dir)
    embedded, fitted = [], []
    embed, fit = extractor.embed, extractor.fit_statistics
    extractor.embed = lambda batch: embedded.append(len(batch)) or embed(batch)
    extractor.fit_statistics = lambda batches: fitted.append(1) or fit(batches)
    corpus = datasets.load_from_disk(corpus_dir)
    result = extract(corpus, extractor, cache_dir=cache_dir, batch_seconds=2.0, progress=False)
    state = PartialState()
    report = {
        "processes": state.num_processes, "distributed": str(state.distributed_type), "embedded": sum(embedded),
        "fitted": len(fitted), "statistics": extractor.statistics,
        "rows": {name: len(split) for name, split in result.items()},
        "test": [list(map(float, row)) for row in result["test"]["embedding"]],
    }
    with open(f"{report_dir}/rank{state.process_index}.json", "w") as file:
        json.dump(report, file)
    """
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_cpu_processes_share_the_work_and_merge_one_cache(tmp_path):
    corpus = synthetic_corpus()
    corpus.save_to_disk(tmp_path / "corpus")
    model = save_tiny_byol(tmp_path / "tiny-byol")
    (tmp_path / "worker.py").write_text(WORKER)
    (tmp_path / "reports").mkdir()
    # torchrun-style launch (--multi_gpu); with no accelerator ser_hub.features runs the processes on CPU (gloo)
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
              "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
              "--main_process_port", str(free_port())]
    arguments = [tmp_path / "worker.py", tmp_path / "corpus", model, tmp_path / "cache", tmp_path / "reports"]
    command = launch + [str(argument) for argument in arguments]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-4000:]

    reports = [json.loads((tmp_path / "reports" / f"rank{rank}.json").read_text()) for rank in range(2)]
    assert [r["processes"] for r in reports] == [2, 2]
    assert [r["distributed"] for r in reports] == ["DistributedType.MULTI_CPU"] * 2
    # each process embedded a share, together every utterance once; the statistics were computed once, by rank 0
    total = sum(len(split) for split in corpus.values())
    assert all(r["embedded"] > 0 for r in reports) and sum(r["embedded"] for r in reports) == total
    assert [r["fitted"] for r in reports] == [1, 0] and reports[0]["statistics"] == reports[1]["statistics"]
    assert reports[0]["rows"] == reports[1]["rows"] == {name: len(split) for name, split in corpus.items()}
    assert reports[0]["test"] == reports[1]["test"]

    # one merged cache: a single process in this interpreter reads it without computing anything
    loaded = datasets.load_from_disk(tmp_path / "corpus")
    extractor = load_extractor(str(model))
    calls = []
    extractor.embed = counting(extractor.embed, calls)
    merged = extract(loaded, extractor, cache_dir=tmp_path / "cache", progress=False)
    assert calls == [] and extractor.statistics == reports[0]["statistics"]
    assert len([p for p in (tmp_path / "cache").iterdir() if p.name != "statistics"]) == 2
    np.testing.assert_array_equal(matrix(merged["test"]), np.asarray(reports[0]["test"], dtype=np.float32))
    alone = extract(loaded, load_extractor(str(model)), progress=False)
    for name in corpus:
        np.testing.assert_allclose(matrix(merged[name]), matrix(alone[name]), rtol=1e-5, atol=1e-6)
