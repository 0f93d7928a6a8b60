#!/usr/bin/env python
"""Fine-tune an audio encoder as a speech emotion classifier on ser-hub corpora (`ser_hub.training.classification`).

    python scripts/finetune_audio_classification.py \
        --model_name_or_path facebook/wav2vec2-base --corpus urdu=~/corpora/URDU-Dataset \
        --protocol speaker-independent --label_space unified7 --class_weighted_loss \
        --output_dir runs/wav2vec2-urdu --num_train_epochs 20 --learning_rate 3e-5

Validates every epoch, keeps the checkpoint with the best validation UAR, stops after `--early_stopping_patience`
validations without improvement and evaluates the test split once at the end. `--label_space dimensions
[--dimensions arousal valence] [--regression_loss ccc|mse]` trains a regression head on continuous scores instead
(IEMOCAP's and MSP-Podcast's act/val/dom, MER2023's valence_score, or a definition file's `<dimension>_score`
columns), selected and tested by CCC.
`--push_to_hub --hub_model_id NAME` uploads the model. Arguments can also come from one JSON file. Data-parallel on
GPUs: `accelerate launch scripts/finetune_audio_classification.py ...`; on a CPU-only machine: `accelerate launch
--multi_gpu --num_processes N scripts/finetune_audio_classification.py ... --use_cpu` (accelerate's `--cpu` launcher
starts a single process unless MPI is set up).
"""

import logging
import sys

from ser_hub.training.classification import parse_arguments, run


def main(argv: list[str] | None = None) -> dict[str, float]:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("ser_hub").setLevel(logging.INFO)
    return run(*parse_arguments(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
