"""The first eleven corpora against the real file lists (EmoBox's): every listed file parses, with EmoBox's speakers,
labels, utterance keys and folds. (Each newer corpus checks its list in its own test module.)"""

import re
from collections import Counter, defaultdict

import pytest

from .real_lists import check_against_reference, reference

CREMA_D_EXCLUDED = ["1006_TIE_NEU_XX", "1013_WSI_DIS_XX", "1017_IWW_FEA_XX", "1040_ITH_SAD_XX"]


def demographics() -> dict[str, str]:
    """VideoDemographics.csv for every actor of the list (the values are the test's; the real file has them)."""
    actors = sorted({utterance["speaker"] for utterance in reference("cremad")["utterances"]})
    rows = "".join(f"{actor},30,{'Male' if int(actor) % 2 else 'Female'},Caucasian,Not Hispanic\n" for actor in actors)
    return {"VideoDemographics.csv": f"ActorID,Age,Sex,Race,Ethnicity\n{rows}"}


def evaluations() -> dict[str, str]:
    """One EmoEvaluation file per dialog with a line per listed utterance (its label from the list)."""
    files = defaultdict(list)
    for utterance in reference("iemocap")["utterances"]:
        session, dialog = re.match(r"Session(\d)/sentences/wav/([^/]+)/", utterance["path"]).groups()
        name = utterance["key"].removeprefix("iemocap-")
        files[f"Session{session}/dialog/EmoEvaluation/{dialog}.txt"].append(
            f"[1.0000 - 2.0000]\t{name}\t{utterance['label']}\t[2.5000, 3.0000, 3.5000]\n")
    return {path: "".join(lines) for path, lines in files.items()}


@pytest.mark.parametrize(("corpus", "emobox", "path", "texts", "skipped", "speaker_field"), [
    ("aesdd", "aesdd", None, None, None, "speaker_id"),
    ("cafe", "cafe", None, None, None, "speaker_id"),
    ("crema_d", "cremad", None, demographics,
     {f"AudioWAV/{stem}.wav": "excluded: in the bad_files list of the TFDS crema_d builder" for stem in CREMA_D_EXCLUDED},
     "speaker_id"),
    ("emodb", "emodb", None, None, None, "speaker_id"),
    ("emovo", "emovo", None, None, None, "speaker_id"),
    # EmoBox's IEMOCAP "speaker" is the dialogue's session and first gender (SERAB's key), not the speaking actor
    ("iemocap", "iemocap", None, evaluations, None, "_serab_key"),
    ("ravdess", "ravdess", None, None, None, "speaker_id"),
    # EmoBox's copy of SAVEE is flattened (JE_n23.wav); the distribution has AudioData/JE/n23.wav
    ("savee", "savee", lambda u: "AudioData/{}/{}".format(*u["path"].split("_", 1)), None, None, "speaker_id"),
    ("shemo", "shemo", None, None, None, "speaker_id"),
    ("subesco", "subesco", None, None, None, "speaker_id"),
    ("urdu", "urdu", None, None, None, "speaker_id"),
])
def test_the_whole_real_list_parses_with_emobox_speakers_labels_keys_and_folds(corpus, emobox, path, texts, skipped,
                                                                               speaker_field):
    arguments = {"path": path} if path else {}
    records = check_against_reference(corpus, emobox, texts=texts() if texts else None, skipped=skipped,
                                      speaker_field=speaker_field, **arguments)
    assert len(records) == len(reference(emobox)["utterances"]) - len(skipped or {})


def test_the_lists_correct_shemo_and_subesco():
    shemo = reference("shemo")["utterances"]
    assert len(shemo) == 2838 and Counter(u["rate"] for u in shemo) == {44100: 2717, 22050: 121}
    subesco = Counter(u["rate"] for u in reference("subesco")["utterances"])
    assert subesco == {44100: 4555, 48000: 2445}
    records = check_against_reference("subesco", "subesco")
    assert "F_02_MONIKA_S_2_SURPRISE_3]" in {record["utterance_id"] for record in records}
