"""The choices and defaults of the protocols, in a module light enough for the command line to import."""

STANDARDIZE_MODES = ("speaker", "global", "none")  # SERAB: per-speaker standardisation (the reference), global, none
SELECT_MODES = ("validation", "test")  # SERAB: choose the classifier on validation (no leakage) or on test (reference)
PRIOR_MODES = ("train", "test", "none")  # SER Evals: logit adjustment by the training prior, test prior (the code), none
PROBE_EPOCHS = 100  # SER Evals: probe epochs, pl.Trainer(max_epochs=100) in its trainer_wandb.py
PROBE_BATCH_SIZE = 32  # SER Evals: utterances per probe batch, SERDataModule(batch_size=32) in trainer_wandb.py
STATISTICS_SOURCES = ("computed", "published")  # SERAB with BYOL: the training split's log-mel statistics, or SERAB's
DIMENSIONS = ("arousal", "valence", "dominance")  # continuous emotion dimensions: regression targets (CCC)
