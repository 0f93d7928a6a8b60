"""The choices and defaults of the protocols, in a module light enough for the command line to import."""

STANDARDIZE_MODES = ("speaker", "global", "none")  # SERAB: per-speaker standardisation (the reference), global, none
SELECT_MODES = ("validation", "test")  # SERAB: choose the classifier on validation (no leakage) or on test (reference)
PRIOR_MODES = ("train", "test", "none")  # SER Evals: the prior the logit adjustment uses
PROBE_EPOCHS = 100  # SER Evals: epochs of the out-of-domain probe
STATISTICS_SOURCES = ("computed", "published")  # SERAB with BYOL: the training split's log-mel statistics, or SERAB's
