"""BYOL-A / BYOL-S (AudioNTT2020) and BYOL-S/CvT: configurations, models and their shared front end.

Both families live in one folder because a saved model folder must hold every file its code imports: transformers'
remote-code loader copies only `from .module import ...` siblings, and BYOL-S/CvT reuses BYOL's pooling and head.
"""

from .configuration_byol import ByolConfig
from .configuration_byol_cvt import ByolCvtConfig
from .feature_extraction_byol import ByolFeatureExtractor
from .modeling_byol import ByolForSequenceClassification, ByolModel, ByolPreTrainedModel
from .modeling_byol_cvt import ByolCvtForSequenceClassification, ByolCvtModel, ByolCvtPreTrainedModel

# Registered with the transformers Auto classes by `ser_hub.models`:
# (model type, config, model, feature extractor, audio classification head)
AUTO_CLASSES = [
    ("byol", ByolConfig, ByolModel, ByolFeatureExtractor, ByolForSequenceClassification),
    ("byol_cvt", ByolCvtConfig, ByolCvtModel, ByolFeatureExtractor, ByolCvtForSequenceClassification),
]

__all__ = [
    "AUTO_CLASSES", "ByolConfig", "ByolCvtConfig", "ByolCvtForSequenceClassification", "ByolCvtModel",
    "ByolCvtPreTrainedModel", "ByolFeatureExtractor", "ByolForSequenceClassification", "ByolModel",
    "ByolPreTrainedModel",
]
