"""Multi-task wav2vec 2.0 (Sharma, ICASSP 2022): configuration, models, front end and the LoRA option."""

from .configuration_mtl_wav2vec2 import MtlWav2Vec2Config
from .feature_extraction_mtl_wav2vec2 import MtlWav2Vec2FeatureExtractor
from .lora import lora_config
from .modeling_mtl_wav2vec2 import MtlWav2Vec2ForSequenceClassification, MtlWav2Vec2Model, inverse_class_frequency

# Registered with the transformers Auto classes by `ser_hub.models`:
# (model type, config, model, feature extractor, audio classification head)
AUTO_CLASSES = [
    (
        "mtl_wav2vec2",
        MtlWav2Vec2Config,
        MtlWav2Vec2Model,
        MtlWav2Vec2FeatureExtractor,
        MtlWav2Vec2ForSequenceClassification,
    )
]

__all__ = [
    "AUTO_CLASSES", "MtlWav2Vec2Config", "MtlWav2Vec2FeatureExtractor", "MtlWav2Vec2ForSequenceClassification",
    "MtlWav2Vec2Model", "inverse_class_frequency", "lora_config",
]
