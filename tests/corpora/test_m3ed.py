"""M3ED is listed without a reader: what EmoBox's list of the real corpus shows about its names, and what loading says.

Sources: annotation.json's nesting (series -> dialogue -> SpeakerInfo/Dialog -> EmoAnnotation.final_main_emo):
EmoBox's m3ed.py; the series split lists: AIM3-RUC/RUCM3ED splitInfo/; the names, speakers and folds: EmoBox's list.
"""

import re
from collections import defaultdict

import pytest

from ser_hub import load_corpus
from ser_hub.corpora import corpus_info
from ser_hub.errors import CorpusError

from .real_lists import reference

UTTERANCES = reference("m3ed")["utterances"]
NAME = re.compile(r"modality_speech/(?P<role>[AB])_(?P<series>[a-z]+)_(?P<dialogue>\d+)_(?P<utterance>\d+)\.wav")


def test_the_real_names_give_the_dialogue_but_neither_label_nor_speaker():
    speakers = defaultdict(set)
    for utterance in UTTERANCES:
        name = NAME.fullmatch(utterance["path"])
        assert utterance["key"] == "m3ed-{series}_{dialogue}_{utterance}".format(**name.groupdict())
        speakers[name["series"], name["role"]].add(utterance["speaker"])
    assert len({series for series, _ in speakers}) == 56 and len(speakers) == 112
    assert all(len(names) > 1 for names in speakers.values())  # a role letter names several people in one series
    assert len({u["label"] for u in UTTERANCES}) == 7


def test_the_corpus_is_listed_without_a_reader_and_loading_says_how_to_read_a_copy(tmp_path):
    spec = corpus_info("m3ed")
    assert (spec.status, spec.num_utterances, spec.languages) == ("no reader", len(UTTERANCES), ("zh",))
    assert "annotation.json" in spec.notes[0]
    with pytest.raises(CorpusError, match=r"m3ed \(M3ED: .*\) has no reader in ser-hub"):
        load_corpus("m3ed", tmp_path, cache_dir=tmp_path / "cache")
