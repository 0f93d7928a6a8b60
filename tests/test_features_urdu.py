"""Real data: BYOL-S 512 (the released checkpoint, converted) and openSMILE ComParE_2016 on the real URDU corpus, and
parity of `extract` with the original BYOL code's reference embeddings."""

import io

import datasets
import numpy as np
import opensmile
import pytest
import soundfile as sf

import ser_hub
from ser_hub.features import extract, load_extractor
from ser_hub.models import ByolFeatureExtractor
from ser_hub.models.byol.convert_byol_checkpoint import convert_byol_checkpoint
from test_features import byol_reference, column, counting, decoded, matrix

pytestmark = pytest.mark.slow  # real data or checkpoints end to end

CHECKPOINT = "weights/byol-s/default512_BYOLAs64x96-2107281850-e100-bs256-lr0003-rs42.pth"


@pytest.fixture(scope="module")
def byol_s(shared, tmp_path_factory):
    return convert_byol_checkpoint(shared / CHECKPOINT, "byol-s", tmp_path_factory.mktemp("models") / "byol-s-512")


@pytest.fixture(scope="module")
def urdu_slice(urdu_dir, tmp_path_factory):
    """Every 7th training and every 6th test utterance of the speaker-independent URDU splits."""
    urdu = ser_hub.load_corpus("urdu", urdu_dir, cache_dir=str(tmp_path_factory.mktemp("urdu-cache")))
    return datasets.DatasetDict(
        {"train": urdu["train"].select(range(0, 274, 7)), "test": urdu["test"].select(range(0, 96, 6))}
    )


def test_byol_s_512_on_real_urdu(byol_s, urdu_slice, tmp_path):
    extractor = load_extractor(str(byol_s))
    calls = []
    extractor.embed = counting(extractor.embed, calls)
    cold = extract(urdu_slice, extractor, cache_dir=tmp_path / "cache", progress=False)
    assert {name: len(split) for name, split in cold.items()} == {"train": 40, "test": 16} and sum(calls) == 56
    assert [split.split for split in cold.values()] == ["train", "test"]
    assert cold["test"]["utterance_id"][:] == urdu_slice["test"]["utterance_id"][:]
    assert matrix(cold["train"]).shape == (40, 512)

    # statistics of the training slice, as the reference computes them; the test embeddings are the model's own
    front_end = ByolFeatureExtractor.from_pretrained(byol_s)
    expected = front_end.fit_normalization(decoded(urdu_slice["train"]), sampling_rate=16000)
    assert (extractor.statistics["norm_mean"], extractor.statistics["norm_std"]) == pytest.approx(expected, rel=1e-12)
    embeddings, _ = byol_reference(byol_s, extractor.statistics, decoded(urdu_slice["test"]))
    np.testing.assert_allclose(matrix(cold["test"]), np.stack(embeddings), rtol=1e-4, atol=1e-4)

    # deterministic: a fresh uncached run gives the same numbers bit for bit
    fresh = extract(urdu_slice["test"], load_extractor(str(byol_s)), fit_on=urdu_slice["train"], progress=False)
    np.testing.assert_array_equal(matrix(fresh), matrix(cold["test"]))

    # the cache: no model call, no statistics pass
    warm_extractor = load_extractor(str(byol_s))
    warm_calls, fits = [], []
    warm_extractor.embed = counting(warm_extractor.embed, warm_calls)
    warm_extractor.fit_statistics = counting(warm_extractor.fit_statistics, fits)
    warm = extract(urdu_slice, warm_extractor, cache_dir=tmp_path / "cache", progress=False)
    assert warm_calls == [] and fits == []
    for name in urdu_slice:
        np.testing.assert_array_equal(matrix(warm[name]), matrix(cold[name]))


def test_extract_reproduces_the_original_byol_code(byol_s, shared):
    """The six reference utterances (16 kHz float waves, stored losslessly) with statistics fitted on them: the
    statistics and embeddings of the original AudioNTT2020 code, within its stated 1e-4 relative error."""
    with np.load(shared / "reference" / "byol_s_512_reference.npz") as archive:
        reference = {key: archive[key] for key in archive.files}

    def float_wav(wave):
        buffer = io.BytesIO()
        sf.write(buffer, wave, 16000, format="WAV", subtype="FLOAT")
        return buffer.getvalue()

    files = [str(name) for name in reference["files"]]
    waves = datasets.Dataset.from_dict(
        {"audio": [{"bytes": float_wav(reference[f"wave_{i}"]), "path": name} for i, name in enumerate(files)],
         "utterance_id": files},
        features=datasets.Features(
            {"audio": datasets.Audio(sampling_rate=16000), "utterance_id": datasets.Value("string")}
        ),
    )
    extractor = load_extractor(str(byol_s))
    result = extract(waves, extractor, fit_on=waves, batch_seconds=7.0, progress=False)  # padded batches
    assert extractor.statistics["norm_mean"] == pytest.approx(float(reference["mean"]), rel=1e-6)
    assert extractor.statistics["norm_std"] == pytest.approx(float(reference["std"]), rel=1e-6)
    for index, embedding in enumerate(column(result, "embedding")):
        expected = reference[f"embedding_{index}"]
        assert np.abs(embedding - expected).max() <= 1e-4 * np.abs(expected).max()


def test_opensmile_compare_2016_on_real_urdu(urdu_slice):
    split = urdu_slice["test"].select(range(3))
    result = extract(split, "opensmile:ComParE_2016", progress=False)
    smile = opensmile.Smile(opensmile.FeatureSet.ComParE_2016, opensmile.FeatureLevel.Functionals)
    expected = np.stack([smile.process_signal(wave, 16000).to_numpy(np.float32)[0] for wave in decoded(split)])
    assert expected.shape == (3, 6373) and np.isfinite(expected).all()
    np.testing.assert_array_equal(matrix(result), expected)
