"""EMNS is listed without a reader: what EmoBox's list of the real corpus shows about its names, and what loading says.

Sources: the pipe-separated metadata.csv and its columns: EmoBox's emns.py and other public readers of OpenSLR 136
(all read it with sep='|'); the names, rates and folds: EmoBox's list.
"""

import re
from collections import Counter

import pytest

from ser_hub import load_corpus
from ser_hub.corpora import corpus_info
from ser_hub.errors import CorpusError

from .real_lists import reference

UTTERANCES = reference("emns")["utterances"]


def test_the_real_names_carry_neither_label_nor_speaker():
    names = Counter(re.sub(r"_[A-Za-z0-9]{7}\.", "_<id>.", u["path"]) for u in UTTERANCES)
    assert names == {"cleaned_webm/recorded_audio_<id>.webm": 1180, "cleaned_webm/recorded_audio.webm": 1}
    assert len({u["label"] for u in UTTERANCES}) == 8 and {u["speaker"] for u in UTTERANCES} == {"3"}
    assert Counter((u["rate"], u["channels"]) for u in UTTERANCES) == {(48000, 1): 1181}


def test_the_corpus_is_listed_without_a_reader_and_loading_says_how_to_read_a_copy(tmp_path):
    spec = corpus_info("emns")
    assert (spec.status, spec.num_utterances, spec.languages) == ("no reader", len(UTTERANCES), ("en",))
    assert "separated by '|'" in spec.notes[0]
    with pytest.raises(CorpusError, match=r"emns \(EMNS: Emotive Narrative Storytelling corpus\) has no reader in "
                                          r"ser-hub: .* describe your copy in a definition file"):
        load_corpus("emns", tmp_path, cache_dir=tmp_path / "cache")
