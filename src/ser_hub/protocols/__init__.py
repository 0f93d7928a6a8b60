"""Benchmark protocols (SERAB, SER Evals out-of-domain) built from ser-hub's corpora, features and metrics.

The protocol modules load on first use (`ood` needs torch, `serab` scikit-learn), so that `options` and the worker
processes of the SERAB search import only what they need.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["ood", "options", "serab"],
    submod_attrs={
        "ood": ["OodCell", "OodResult", "ProbeSettings", "ood_eligible", "run_ood"],
        "serab": ["SerabResult", "evaluate_embeddings", "run_serab", "serab_benchmark", "serab_classifiers"],
    },
)
