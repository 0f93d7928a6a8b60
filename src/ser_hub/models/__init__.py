"""transformers-compatible SER models, registered with the transformers Auto classes once transformers is imported.

Importing this package is light: the model classes load on first access. Post-import hooks (wrapt) register each
family's `AUTO_CLASSES` with AutoConfig, AutoModel, AutoFeatureExtractor and AutoModelForAudioClassification: when
`transformers` is imported (at once if it already is), every family is imported, and each registers itself as its
own import completes, so a family whose import is what pulled transformers in registers once it is complete.

The hook watches the `transformers` package, not its auto modules: transformers imports those from inside its own
half-imported modules (`modeling_utils`, `modeling_layers`), where the model code cannot be imported yet. For the same
reason a family imports nothing that imports transformers itself (peft loads only when LoRA is used): such a package
may be half-imported when its import of transformers fires the hook.

The `speech-emotion-recognition` pipeline (`ser_hub.pipelines`) registers with transformers' pipeline registry the
same way: `transformers.pipelines` (imported by `transformers.pipeline(...)`) imports `ser_hub.pipelines`, which
registers its task once its own import is complete (it may be what imported `transformers.pipelines`).
"""

import importlib

import lazy_loader
import wrapt

FAMILIES = ("byol", "emonet", "mtl_wav2vec2")

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=FAMILIES,
    submod_attrs={
        "byol": [
            "ByolConfig",
            "ByolCvtConfig",
            "ByolCvtForSequenceClassification",
            "ByolCvtModel",
            "ByolFeatureExtractor",
            "ByolForSequenceClassification",
            "ByolModel",
        ],
        "emonet": ["EmoNetConfig", "EmoNetFeatureExtractor", "EmoNetForSequenceClassification", "EmoNetModel"],
        "mtl_wav2vec2": [
            "MtlWav2Vec2Config",
            "MtlWav2Vec2FeatureExtractor",
            "MtlWav2Vec2ForSequenceClassification",
            "MtlWav2Vec2Model",
        ],
    },
)


def register_family(family) -> None:
    """Register a family package's `AUTO_CLASSES` with the transformers Auto classes (its post-import hook)."""
    from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification

    for model_type, config_class, model_class, feature_extractor_class, classifier_class in family.AUTO_CLASSES:
        AutoConfig.register(model_type, config_class, exist_ok=True)
        AutoModel.register(config_class, model_class, exist_ok=True)
        AutoFeatureExtractor.register(config_class, feature_extractor_class, exist_ok=True)
        AutoModelForAudioClassification.register(config_class, classifier_class, exist_ok=True)


def import_families(_transformers) -> None:
    """Import every family, each of which then registers itself (the post-import hook of `transformers`)."""
    for family in FAMILIES:
        importlib.import_module(f"{__name__}.{family}")


def import_pipelines(_pipelines) -> None:
    """Import `ser_hub.pipelines`, which then registers its task (the post-import hook of `transformers.pipelines`)."""
    importlib.import_module("ser_hub.pipelines")


def register_pipeline(pipelines) -> None:
    """Register the `speech-emotion-recognition` task (the post-import hook of `ser_hub.pipelines`)."""
    pipelines.register()


for _family in FAMILIES:
    wrapt.register_post_import_hook(register_family, f"{__name__}.{_family}")
wrapt.register_post_import_hook(import_families, "transformers")
wrapt.register_post_import_hook(register_pipeline, "ser_hub.pipelines")
wrapt.register_post_import_hook(import_pipelines, "transformers.pipelines")
