"""The registry holds every corpus the five seed papers name: rows 1-42 of the summary table of ../shared/corpora.md,
each mapped here to its registry name by hand. Corpora no public source documents are listed without a reader
(`status: no reader`): `ser-hub corpora` shows them, and loading one says how to read a copy with a definition file."""

import re

import pytest

from ser_hub import load_corpus
from ser_hub.cli import main
from ser_hub.corpora import REGISTRY, corpus_info, definition_text
from ser_hub.errors import CorpusError

# corpora.md summary table: row -> (corpus as the table names it, registry name)
SEED_CORPORA = {
    1: ("eNTERFACE'05", "enterface"),
    2: ("MELD", "meld"),
    3: ("MESD", "mesd"),
    4: ("TESS", "tess"),
    5: ("JL-Corpus", "jlcorpus"),
    6: ("EmoV-DB", "emovdb"),
    7: ("Thorsten emotional (21.06)", "thorsten_emotional"),
    8: ("Oréau (OréauFR_02)", "oreau"),
    9: ("Polish (Mięsikowska & Świsulski)", "polish"),
    10: ("RESD", "resd"),
    11: ("MEAD", "mead"),
    12: ("Expresso", "expresso"),
    13: ("PAVOQUE", "pavoque"),
    14: ("ADEPT", "adept"),
    15: ("EEKK / EESC (Estonian Emotional Speech Corpus)", "eekk"),
    16: ("ESD", "esd"),
    17: ("DEMoS", "demos"),
    18: ("EmoFilm", "emofilm"),
    19: ("BAUM-1", "baum1"),
    20: ("VERBO", "verbo"),
    21: ('Castro & Lima ("CASTRO")', "castro"),
    22: ("CASIA", "casia"),
    23: ("MASC", "masc"),
    24: ("FAU Aibo", "fau_aibo"),
    25: ("SmartKom", "smartkom"),
    26: ("GEMEP", "gemep"),
    27: ("GVEESS", "gveess"),
    28: ("EU-Emotion Voice DB", "eu_ev"),
    29: ("EmotiW 2014 (AFEW)", "emotiw2014"),
    30: ("SUSAS", "susas"),
    31: ("DES (Danish Emotional Speech)", "des"),
    32: ("CVE (Chinese Vocal Emotions, Liu & Pell)", "cve"),
    33: ("BES (Burmese)", "bes"),
    34: ("MES (Mandarin, Nwe et al.)", "mes"),
    35: ("ABC (Airplane Behaviour Corpus)", "abc"),
    36: ("EA-ACT", "ea_act"),
    37: ("EA-BMW", "ea_bmw"),
    38: ("EA-WSJ", "ea_wsj"),
    39: ("SIMIS", "simis"),
    40: ("AD (Anger Detection)", "ad"),
    41: ("PPMMK-EMO", "ppmmk_emo"),
    42: ("TurkishEmo", "turkishemo"),
}
# the seed corpora read by a definition file of this change (the others are other changes' definitions)
READERS = {"thorsten_emotional", "adept", "demos", "emofilm", "castro"}
# listed without a reader, with their size as the seed paper that uses them reports it
NO_READER = {
    "baum1": 1398, "verbo": 1174, "masc": 25636, "fau_aibo": 17074, "gemep": 1260, "gveess": 1344, "eu_ev": 3148,
    "emotiw2014": 961, "susas": 3593, "des": 419, "cve": 874, "bes": 414, "mes": 360, "abc": 405, "ea_act": 2280,
    "ea_bmw": 1424, "ea_wsj": 520, "simis": 9299, "ad": 660, "ppmmk_emo": 3154, "turkishemo": 484,
}
LANGUAGES = {
    "baum1": ("tr",), "verbo": ("pt-BR",), "masc": ("zh",), "fau_aibo": ("de",), "gemep": ("fr",), "gveess": ("und",),
    "eu_ev": ("en", "he", "sv"), "emotiw2014": ("en",), "susas": ("en",), "des": ("da",), "cve": ("zh",),
    "bes": ("my",), "mes": ("zh",), "abc": ("de",), "ea_act": ("en", "fr"), "ea_bmw": ("de",), "ea_wsj": ("en",),
    "simis": ("de",), "ad": ("de",), "ppmmk_emo": ("de",), "turkishemo": ("tr",), "smartkom": ("de",),
}


def test_the_map_covers_exactly_rows_1_to_42_of_corpora_md(shared):
    table = re.findall(r"^\| (\d+) \| ([^|]+?) \|", (shared / "corpora.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert {int(row): corpus for row, corpus in table} == {row: corpus for row, (corpus, _) in SEED_CORPORA.items()}
    assert len({name for _, name in SEED_CORPORA.values()}) == 42


def test_every_seed_corpus_is_registered():
    missing = [f"{row}. {corpus} ({name})" for row, (corpus, name) in SEED_CORPORA.items() if name not in REGISTRY]
    assert not missing, f"seed corpora without a registry entry: {'; '.join(missing)}"


def test_the_corpora_of_this_change_are_registered_with_their_status():
    statuses = {name: REGISTRY[name].status for name in READERS | set(NO_READER)}
    assert statuses == {**dict.fromkeys(READERS, "available"), **dict.fromkeys(NO_READER, "no reader")}


def test_each_corpus_without_a_reader_has_its_size_languages_citation_access_and_notes():
    for name, size in NO_READER.items():
        spec = corpus_info(name)
        assert (spec.num_utterances, spec.languages) == (size, LANGUAGES[name]), name
        assert spec.title and spec.citation.startswith("@") and spec.access and spec.description, name
        assert any(note.startswith("Seed: ") for note in spec.notes), name
        assert any("No reader because" in note for note in spec.notes), name
        assert (spec.pattern, spec.labels) == ("", None), name


def test_ser_hub_corpora_lists_every_registered_seed_corpus_with_its_status(capsys):
    assert main(["corpora"]) == 0
    listed = {}
    for line in capsys.readouterr().out.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        listed[cells[0]] = cells[1]
    expected = {name: "reader" if REGISTRY[name].status == "available" else "no reader"
                for _, name in SEED_CORPORA.values() if name in REGISTRY}
    assert {name: listed[name] for name in expected} == expected
    assert {name: listed[name] for name in READERS | set(NO_READER)} == {
        **dict.fromkeys(READERS, "reader"), **dict.fromkeys(NO_READER, "no reader")}


@pytest.mark.parametrize("name", sorted(NO_READER))
def test_loading_a_corpus_without_a_reader_says_how_to_read_a_copy(name, tmp_path):
    spec = corpus_info(name)
    message = (f"{name} ({spec.title}) has no reader in ser-hub; its notes say why (`ser-hub corpora --show {name}`; "
               f"access: {spec.access}). If you have the corpus, describe your copy in a definition file (`ser-hub "
               "corpora --show urdu` prints one to start from) and pass the file's path instead of the name.")
    with pytest.raises(CorpusError) as error:
        load_corpus(name, str(tmp_path), cache_dir=str(tmp_path / "cache"))
    assert str(error.value) == message


def test_the_definition_of_a_corpus_without_a_reader_is_shown_as_written():
    assert definition_text("masc").startswith("name: masc\ntitle: Mandarin Affective Speech Corpus (MASC)\nlanguage: zh\n"
                                              "status: no reader\n")
