"""Kinds of source a definition reads, each on generated files: audio inside video and AAC containers, records from
annotation files (CSV, JSON, YAML, split lists, TextGrids beside the audio), segments of long recordings, and stereo
recordings with one speaker per channel."""

import json
import subprocess

import numpy as np
import pytest
import soundfile as sf

import ser_hub
from corpus_fixtures import tone, write_audio
from ser_hub import audio
from ser_hub.corpora import read_build_record
from ser_hub.corpora.source import CorpusSource

from . import rows_by_id, write_textgrid


def ffmpeg(*arguments) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *map(str, arguments)], check=True)


def sine(seconds: float, rate: int, frequency: int) -> list:
    return ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate={rate}"]


def video(seconds: float) -> list:
    return ["-f", "lavfi", "-i", f"color=c=black:s=32x32:d={seconds}"]


def load(tmp_path, definition: str, data_dir, protocol="kfold-2", **options):
    path = tmp_path / "corpus.yaml"
    path.write_text(definition)
    return ser_hub.load_corpus(str(path), data_dir, protocol, cache_dir=str(tmp_path / "cache"), **options)


CONTAINERS = """\
name: containers
title: Containers
language: en
files:
  pattern: '(?P<speaker>s\\d)/(?P<label>an|ha)_\\d\\.(?:avi|mp4|m4a)'
labels: {an: anger, ha: happiness}
utterance_id: "{speaker}_{stem}"
"""


def test_audio_inside_video_and_aac_containers_is_decoded_and_a_container_without_audio_is_skipped(tmp_path):
    root = tmp_path / "data"
    for speaker in ("s1", "s2"):
        (root / speaker).mkdir(parents=True)
        ffmpeg(*sine(0.5, 48000, 440), *video(0.5), "-c:a", "pcm_s16le", "-c:v", "mpeg4", "-shortest",
               root / speaker / "an_1.avi")
        ffmpeg(*sine(0.5, 44100, 330), *video(0.5), "-c:a", "aac", "-c:v", "mpeg4", "-shortest",
               root / speaker / "ha_1.mp4")
        ffmpeg(*sine(0.5, 48000, 550), "-ac", "2", "-c:a", "aac", root / speaker / "ha_2.m4a")
    ffmpeg(*video(0.5), "-c:v", "mpeg4", root / "s1" / "an_2.mp4")  # a video without an audio stream
    dataset = load(tmp_path, CONTAINERS, root)
    rows = rows_by_id(dataset)
    assert sorted(rows) == [f"{s}_{name}" for s in ("s1", "s2") for name in ("an_1", "ha_1", "ha_2")]
    for split in dataset.values():
        for example in split:
            decoded = example["audio"].get_all_samples()
            assert decoded.sample_rate == 16000 and decoded.data.shape[0] == 1
            assert abs(decoded.data.shape[1] / 16000 - 0.5) < 0.05
    assert read_build_record(dataset)["skipped"] == [
        {"file": "s1/an_2.mp4", "reason": "cannot decode the audio (it has no audio stream); re-download or remove it."}]
    # the AVI's PCM is decoded exactly: the prepared samples are its samples resampled
    original, rate = audio.decode((root / "s1" / "an_1.avi").read_bytes(), "an_1.avi")
    expected = audio.quantize(audio.resample(original[0], rate, 16000), 16) / np.float32(2**15)
    stored = next(e for split in dataset.values() for e in split if e["utterance_id"] == "s1_an_1")
    stored = stored["audio"].get_all_samples()
    assert np.array_equal(stored.data.numpy()[0], expected)


MELD_LIKE = """\
name: dialogues
title: Dialogues
language: en
files:
  pattern: '(?:train/train_splits|dev_splits_complete|output_repeated_splits_test)/dia\\d+_utt\\d+\\.mp4'
  metadata:
    - {path: train_sent_emo.csv, file: "train/train_splits/dia{Dialogue_ID}_utt{Utterance_ID}.mp4", values: {part: train}}
    - {path: dev_sent_emo.csv, file: "dev_splits_complete/dia{Dialogue_ID}_utt{Utterance_ID}.mp4", values: {part: dev}}
    - {path: test_sent_emo.csv, file: "output_repeated_splits_test/dia{Dialogue_ID}_utt{Utterance_ID}.mp4",
       values: {part: test}}
labels: {neutral: neutral, joy: joy, anger: anger}
label: "{Emotion}"
speaker: "{Speaker}"
utterance_id: "{part}_dia{Dialogue_ID}_utt{Utterance_ID}"
extras: {text: "{Utterance}"}
splits:
  official: {value: "{part}", map: {train: train, dev: validation, test: test}}
"""


def test_records_from_csv_rows_naming_their_files_with_the_official_partition(tmp_path):
    root = tmp_path / "MELD.Raw"
    speakers = ["Joey", "Rachel", "Ross"]
    folders = {"train": "train/train_splits", "dev": "dev_splits_complete", "test": "output_repeated_splits_test"}
    for part, folder in folders.items():
        (root / folder).mkdir(parents=True)
        lines = ["Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID"]
        for utterance, (speaker, emotion) in enumerate(zip(speakers, ["neutral", "joy", "anger"])):
            lines.append(f'{utterance},"Hi, {speaker}!",{speaker},{emotion},neutral,0,{utterance}')
            ffmpeg(*sine(0.4, 48000, 300 + 50 * utterance), "-c:a", "aac", root / folder / f"dia0_utt{utterance}.mp4")
        (root / f"{part}_sent_emo.csv").write_text("\n".join(lines) + "\n")
    ffmpeg(*sine(0.4, 48000, 200), "-c:a", "aac", root / "train" / "train_splits" / "dia9_utt9.mp4")  # no row
    dataset = load(tmp_path, MELD_LIKE, root, "official")
    assert {split: sorted(data["utterance_id"]) for split, data in dataset.items()} == {
        split: [f"{part}_dia0_utt{u}" for u in range(3)]
        for split, part in (("train", "train"), ("validation", "dev"), ("test", "test"))}
    rows = rows_by_id(dataset)
    assert rows["dev_dia0_utt1"]["speaker_id"] == "Rachel" and rows["dev_dia0_utt1"]["text"] == "Hi, Rachel!"
    assert rows["test_dia0_utt2"]["emotion"] == "anger"
    assert read_build_record(dataset)["skipped"] == [{
        "file": "train/train_splits/dia9_utt9.mp4",
        "reason": "not listed in train_sent_emo.csv, dev_sent_emo.csv, test_sent_emo.csv"}]


PODCAST_LIKE = """\
name: podcast
title: Podcast
language: en
files:
  pattern: 'Audio/(?P<name>MSP-PODCAST_\\d{4}_\\d{4})\\.wav'
  metadata: {path: Labels/labels_consensus.json, file: "Audio/{key}"}
labels: {N: neutral, H: happy, A: angry}
label: "{EmoClass}"
speaker: "{SpkrID}"
gender: "{Gender}"
extras: {arousal_score: {value: "{EmoAct}", dtype: float32}}
splits:
  official: {value: "{Split_Set}", map: {Train: train, Development: validation, Test1: test, Test2: test2}}
"""


def test_records_from_a_json_object_keyed_by_file_with_several_test_sets(tmp_path):
    root = tmp_path / "MSP-Podcast"
    labels, parts = {}, ["Train", "Train", "Development", "Test1", "Test2", "Train"]
    for index, part in enumerate(parts):
        name = f"MSP-PODCAST_0001_{index:04d}.wav"
        write_audio(root / "Audio" / name, 16000, seconds=0.3, frequency=200 + 20 * index)
        labels[name] = {"EmoClass": "NHA"[index % 3], "EmoAct": 2.5 + index, "SpkrID": str(100 + index % 2),
                        "Gender": ["Female", "Male"][index % 2], "Split_Set": part}
    (root / "Labels").mkdir()
    (root / "Labels" / "labels_consensus.json").write_text(json.dumps(labels))
    dataset = load(tmp_path, PODCAST_LIKE, root, "official")
    assert list(dataset) == ["train", "validation", "test", "test2"]
    assert [len(data) for data in dataset.values()] == [3, 1, 1, 1]
    row = rows_by_id(dataset)["MSP-PODCAST_0001_0004"]
    assert (row["split"], row["speaker_id"], row["gender"], row["native_label"]) == ("test2", "100", "female", "happy")
    assert row["arousal_score"] == pytest.approx(6.5)


SEGMENTS = """\
name: segments
title: Segments
language: de
files:
  pattern: 'recording-(?P<style>\\w+)\\.flac'
  metadata: {path: "recording-*.yaml", file: "recording-{style}.flac", start: start, end: end}
labels: {neutral: neutral, angry: angry}
label: "{style}"
speaker: stefan
utterance_id: "{prompt}"
extras: {text_id: "{prompt}"}
splits: {supports: [stratified], reason: One speaker.}
"""


def write_segments(root, style: str, frequency: float, segments: list[tuple[str, float, float]]):
    rate = 44100
    sf.write(root / f"recording-{style}.flac", tone(3.0, rate, 1, frequency), rate, subtype="PCM_24")
    listing = [{"prompt": prompt, "style": style, "start": start, "end": end, "text": "..."}
               for prompt, start, end in segments]
    (root / f"recording-{style}.yaml").write_text(json.dumps(listing))  # JSON is YAML


def test_segments_of_long_recordings_read_only_their_part(tmp_path, monkeypatch):
    root = tmp_path / "pavoque"
    root.mkdir()
    write_segments(root, "neutral", 220.0, [(f"n{k:04d}", 0.4 * k, 0.4 * k + 0.3) for k in range(6)])
    write_segments(root, "angry", 330.0, [(f"a{k:04d}", 0.4 * k, 0.4 * k + 0.35) for k in range(6)]
                   + [("a9999", 2.9, 3.5)])  # past the end of the 3 s recording
    read_bytes = CorpusSource.read_bytes
    monkeypatch.setattr(CorpusSource, "read_bytes", lambda self, path: pytest.fail(f"{path} read whole")
                        if path.endswith(".flac") else read_bytes(self, path))
    dataset = load(tmp_path, SEGMENTS, root, "stratified")
    monkeypatch.undo()
    rows = rows_by_id(dataset)
    assert len(rows) == 12 and rows["a0003"]["native_label"] == "angry"
    assert rows["n0002"]["duration"] == pytest.approx(0.3) and rows["a0002"]["duration"] == pytest.approx(0.35)
    whole, rate = audio.decode((root / "recording-angry.flac").read_bytes(), "recording-angry.flac")
    piece = whole[0][round(0.8 * rate):round(1.15 * rate)]
    expected = audio.quantize(audio.resample(piece, rate, 16000), 24) / np.float32(2**23)
    stored = next(e for split in dataset.values() for e in split if e["utterance_id"] == "a0002")
    assert np.array_equal(stored["audio"].get_all_samples().data.numpy()[0], expected)
    assert read_build_record(dataset)["skipped"] == [{
        "file": "recording-angry.flac (a9999)",
        "reason": "the segment 2.9-3.5 s lies beyond the end of the recording (3 s); check its annotation."}]
    with pytest.raises(ser_hub.errors.CorpusError, match=r"segments does not support the 'speaker-independent' "
                                                         r"protocol: One speaker\. Choose one of stratified\."):
        load(tmp_path, SEGMENTS, root, "speaker-independent")


CONVERSATIONS = """\
name: conversations
title: Conversations
language: en
files:
  pattern: 'conversational/(?P<a>ex0\\d)-(?P<b>ex0\\d)/(?P<style_a>\\w+)-(?P<style_b>\\w+)/(?P<take>\\d+)\\.wav'
  channels:
    - {channel: 0, groups: {speaker: "{a}", label: "{style_a}"}}
    - {channel: 1, groups: {speaker: "{b}", label: "{style_b}"}}
labels: {happy: happy, sad: sad}
utterance_id: "{a}-{b}_{take}_{speaker}"
"""


def test_stereo_recordings_give_one_record_per_speaker_channel(tmp_path):
    root = tmp_path / "expresso"
    folder = root / "conversational" / "ex01-ex02" / "happy-sad"
    folder.mkdir(parents=True)
    left, right = tone(0.5, 48000, 1, 220.0)[:, 0], tone(0.5, 48000, 1, 440.0)[:, 0] * 0.5
    for take in ("001", "002", "003", "004"):
        sf.write(folder / f"{take}.wav", np.stack([left, right], axis=1), 48000, subtype="PCM_24")
    write_audio(folder / "005.wav", 48000, seconds=0.5)  # mono: no second speaker
    dataset = load(tmp_path, CONVERSATIONS, root, "stratified")
    rows = rows_by_id(dataset)
    assert rows["ex01-ex02_001_ex01"]["native_label"] == "happy" and rows["ex01-ex02_001_ex02"]["native_label"] == "sad"
    assert len(rows) == 9
    examples = {e["utterance_id"]: e for split in dataset.values() for e in split}
    stored, _ = audio.decode((folder / "002.wav").read_bytes(), "002.wav")
    for speaker, channel in (("ex01", stored[0]), ("ex02", stored[1])):
        expected = audio.quantize(audio.resample(channel, 48000, 16000), 24) / np.float32(2**23)
        decoded = examples[f"ex01-ex02_002_{speaker}"]["audio"].get_all_samples().data.numpy()[0]
        assert np.array_equal(decoded, expected)
    assert read_build_record(dataset)["skipped"] == [{
        "file": "conversational/ex01-ex02/happy-sad/005.wav (ex01-ex02_005_ex02)",
        "reason": "has 1 channel(s); the corpus expects one speaker per channel (channel 1); check the file."}]


TEXTGRIDS = """\
name: grids
title: Grids
language: et
files:
  pattern: '(?P<speaker>\\d{2})_(?P<number>\\d{3})\\.wav'
tables:
  grid: {reader: textgrid, path: "{path_stem}.TextGrid"}
  parts: {reader: lines, path: "splits/*.txt", match: "{stem}"}
labels: {anger: anger, joy: joy}
label: "{grid[emotion]}"
extras: {sentence: "{grid[sentence]}"}
splits:
  official: {value: "{parts[annotation]}", map: {train: train, dev: validation, test: test}}
"""


def test_labels_from_a_textgrid_beside_each_file_and_the_partition_from_split_lists(tmp_path):
    root = tmp_path / "eekk"
    parts = {"train": [], "dev": [], "test": []}
    for index in range(6):
        stem = f"0{index % 2}_{index:03d}"
        write_audio(root / f"{stem}.wav", 16000, seconds=0.3, frequency=200 + 30 * index)
        write_textgrid(root / f"{stem}.TextGrid", ["anger", "joy"][index % 2], f'Lause ""{index}""')
        parts[["train", "train", "dev", "test", "train", "test"][index]].append(stem)
    write_audio(root / "01_009.wav", 16000, seconds=0.3)  # no TextGrid
    (root / "splits").mkdir()
    for part, stems in parts.items():
        (root / "splits" / f"{part}.txt").write_text("\n".join(stems) + "\n")
    dataset = load(tmp_path, TEXTGRIDS, root, "official")
    assert {split: len(data) for split, data in dataset.items()} == {"train": 3, "validation": 1, "test": 2}
    rows = rows_by_id(dataset)
    assert (rows["01_003"]["native_label"], rows["01_003"]["sentence"]) == ("joy", 'Lause "3"')
    assert read_build_record(dataset)["skipped"] == [
        {"file": "01_009.wav", "reason": "its grid annotation 01_009.TextGrid is missing"}]
