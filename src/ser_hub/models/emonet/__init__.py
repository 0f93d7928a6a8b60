"""EmoNet adapter ResNet (Gerczuk et al., 2021): configuration, models and front end."""

from .configuration_emonet import EmoNetConfig
from .feature_extraction_emonet import EmoNetFeatureExtractor
from .modeling_emonet import EmoNetForSequenceClassification, EmoNetModel, UnknownDomainError

# Registered with the transformers Auto classes by `ser_hub.models`:
# (model type, config, model, feature extractor, audio classification head)
AUTO_CLASSES = [("emonet", EmoNetConfig, EmoNetModel, EmoNetFeatureExtractor, EmoNetForSequenceClassification)]

__all__ = [
    "AUTO_CLASSES", "EmoNetConfig", "EmoNetFeatureExtractor", "EmoNetForSequenceClassification", "EmoNetModel",
    "UnknownDomainError",
]
