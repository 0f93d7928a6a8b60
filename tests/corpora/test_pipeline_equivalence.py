"""Every split protocol of URDU and of the corpus fixtures returns the rows and the decoded audio it returned before the
one-table redesign (issue 9): ids in order and samples per utterance, recorded from the per-protocol builders of commit
d6c62cc in `pre_redesign.json`. Re-record only on purpose, with the old code checked out:
``SER_HUB_RECORD_EXPECTATIONS=1 pytest tests/corpora/test_pipeline_equivalence.py``.
"""

import hashlib
import json
import os
from pathlib import Path

import datasets
import pytest

import ser_hub
from corpus_fixtures import write_corpus
from ser_hub.errors import CorpusError

from .test_aesdd import build as aesdd
from .test_cafe import RATE as CAFE_RATE
from .test_cafe import SECONDS as CAFE_SECONDS
from .test_cafe import UTTERANCES as CAFE_UTTERANCES
from .test_crema_d import build as crema_d
from .test_emodb import build as emodb
from .test_emovo import build as emovo
from .test_folder import OPTIONS_A, OPTIONS_B, OPTIONS_C, build_a, build_b, build_c
from .test_iemocap import build as iemocap
from .test_ravdess import build as ravdess
from .test_savee import build as savee
from .test_shemo import build as shemo
from .test_subesco import build as subesco

EXPECTATIONS = Path(__file__).with_name("pre_redesign.json")


def cafe(parent: Path) -> Path:
    """The CaFE fixture as it was when the expectations were recorded (neutral files named NN-N-S.wav)."""
    files = [u["file"].replace("-N-1-", "-N-") for u in CAFE_UTTERANCES.values()]
    return write_corpus(parent / "CaFE_48k", files, CAFE_RATE, seconds=CAFE_SECONDS)
RECORD = os.environ.get("SER_HUB_RECORD_EXPECTATIONS") == "1"
PROTOCOLS = ("speaker-independent", "serab", "kfold-3", "loso", "stratified", "official")
# case -> (corpus name, fixture builder or None for the real URDU corpus, corpus options)
CASES = {
    "aesdd": ("aesdd", aesdd, {}),
    "cafe": ("cafe", cafe, {}),
    "crema_d": ("crema_d", crema_d, {}),
    "emodb": ("emodb", emodb, {}),
    "emovo": ("emovo", emovo, {}),
    "folder_a": ("folder", build_a, OPTIONS_A),
    "folder_b": ("folder", build_b, OPTIONS_B),
    "folder_c": ("folder", build_c, OPTIONS_C),
    "iemocap": ("iemocap", iemocap, {}),
    "iemocap_all": ("iemocap", iemocap, {"label_set": "all"}),
    "ravdess": ("ravdess", ravdess, {}),
    "savee": ("savee", savee, {}),
    "shemo": ("shemo", shemo, {}),
    "subesco": ("subesco", subesco, {}),
    "urdu": ("urdu", None, {}),
    "urdu_original": ("urdu", None, {"sampling_rate": None}),
}


def sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()[:16]


def fingerprint_split(data: datasets.Dataset, original: bool) -> dict[str, object]:
    """Hashes of the ids in row order, of the other columns, and of each utterance's decoded samples in row order (at
    the original rate: the stored bytes, which are the files themselves)."""
    ids = data["utterance_id"]
    columns = data.remove_columns("audio").to_list()
    if original:
        audio = [item["bytes"] for item in data.cast_column("audio", datasets.Audio(decode=False))["audio"]]
    else:
        audio = []
        for item in data["audio"]:
            samples = item.get_all_samples()
            audio.append(str(samples.sample_rate).encode() + samples.data.numpy().tobytes())
    return {
        "ids": sha("\n".join(ids).encode()),
        "rows": sha(json.dumps(columns, sort_keys=True).encode()),
        "audio": sha(*(sha(blob).encode() for blob in audio)),
    }


def fingerprint_case(case: str, tmp_path_factory, urdu_dir: Path) -> dict[str, object]:
    name, build, options = CASES[case]
    options = dict(options)
    sampling_rate = options.pop("sampling_rate", 16000)
    data_dir = urdu_dir if build is None else build(tmp_path_factory.mktemp(case))
    cache = tmp_path_factory.mktemp(f"{case}-cache")
    result = {}
    for protocol in PROTOCOLS:
        try:
            dataset = ser_hub.load_corpus(name, data_dir, protocol, cache_dir=str(cache), sampling_rate=sampling_rate,
                                          **options)
        except CorpusError:
            result[protocol] = "CorpusError"
            continue
        result[protocol] = {split: fingerprint_split(data, sampling_rate is None) for split, data in dataset.items()}
    return result


@pytest.fixture(scope="module")
def expectations():
    return {} if RECORD else json.loads(EXPECTATIONS.read_text())


@pytest.mark.parametrize("case", [case for case in CASES if not case.startswith("urdu")])
def test_every_protocol_gives_the_rows_and_samples_of_the_per_protocol_builders(case, expectations, tmp_path_factory,
                                                                                 urdu_dir):
    check(case, expectations, tmp_path_factory, urdu_dir)


@pytest.mark.slow
@pytest.mark.parametrize("case", [case for case in CASES if case.startswith("urdu")])
def test_every_protocol_of_the_real_urdu_corpus_is_unchanged(case, expectations, tmp_path_factory, urdu_dir):
    check(case, expectations, tmp_path_factory, urdu_dir)


def check(case, expectations, tmp_path_factory, urdu_dir):
    found = fingerprint_case(case, tmp_path_factory, urdu_dir)
    if RECORD:
        recorded = json.loads(EXPECTATIONS.read_text()) if EXPECTATIONS.exists() else {}
        EXPECTATIONS.write_text(json.dumps({**recorded, case: found}, indent=1, sort_keys=True) + "\n")
        return
    assert found == expectations[case]
