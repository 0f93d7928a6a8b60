"""EmoNet adapter ResNet configuration (Gerczuk et al., "EmoNet: A Transfer Learning Framework for Multi-Corpus
Speech Emotion Recognition", IEEE Trans. Affective Computing, 2021, §5)."""

from collections.abc import Sequence
from dataclasses import field

from huggingface_hub.dataclasses import strict
from transformers import PreTrainedConfig


def check_domain(name: str, num_labels: int, labels: Sequence[str] | None = None) -> None:
    """Refuse a domain name that cannot name a module, a head with fewer than two classes, or class names (when
    given) that are not one distinct non-empty name per output of the head."""
    if not name or "." in name or num_labels < 2:
        raise ValueError(
            f"domain {name!r} with {num_labels} classes: a domain needs a non-empty name without '.' "
            "and at least two classes."
        )
    if labels is not None and (len(labels) != num_labels or len(set(labels)) != num_labels or not all(labels)):
        raise ValueError(
            f"domain {name!r}: class names {list(labels)} for a {num_labels}-class head; give {num_labels} distinct, "
            "non-empty names, in the order of the head's outputs."
        )


@strict
class EmoNetConfig(PreTrainedConfig):
    r"""
    Configuration of [`EmoNetModel`]: a Wide-ResNet over a log-mel spectrogram whose every 3x3 convolution has a
    parallel 1x1 residual adapter and a batch norm per domain (corpus), 2D attention pooling, and a classification
    head per domain. Shared parameters are about 2.8 M; each domain adds about 0.34 M.

    Args:
        domains (`dict[str, int]`):
            The domains (corpora) and their number of classes.
        domain_labels (`dict[str, list[str]]`, defaults to `{}`):
            Class names of a domain's head, in the order of its outputs (what predictions are reported as); a
            domain without them is reported as `LABEL_0`, `LABEL_1`, ...
        n_mels (`int`, defaults to 64):
            Mel bins of the input; a multiple of 8 (three stride-2 stages).
        stem_channels (`int`, defaults to 32):
            Filters of the first 3x3 convolution.
        stage_channels (`list[int]`, defaults to `[64, 128, 256]`):
            Filters of the three residual stacks; each doubles its input, as the zero-padding shortcut requires.
        blocks_per_stage (`int`, defaults to 2):
            Residual blocks per stack; the first of each has stride 2.
        attention_units (`int`, defaults to 256):
            Units of the attention projection W.
        attention_lambda (`float`, defaults to 0.3):
            Smoothing λ of the attention softmax (0 is average pooling, 1 no smoothing).
        share_attention (`bool`, defaults to `True`):
            One attention module for all domains (the paper's multi-domain model) or one per domain.
        head_hidden_size (`int`, defaults to 128):
            Width of each head's fully connected layer (FC -> BN -> ReLU -> dropout -> classifier).
        head_dropout (`float`, defaults to 0.2):
            Dropout before each head's classifier.

    Example:
    ```python
    >>> from ser_hub.models import EmoNetConfig, EmoNetForSequenceClassification
    >>> model = EmoNetForSequenceClassification(EmoNetConfig(domains={"iemocap": 4, "emodb": 7}))
    >>> model.add_domain("urdu", 4, labels=["angry", "happy", "neutral", "sad"])
    >>> model.freeze_shared()
    ```
    """

    model_type = "emonet"

    domains: dict[str, int] = field(default_factory=dict)
    domain_labels: dict[str, list[str]] = field(default_factory=dict)
    n_mels: int = 64
    stem_channels: int = 32
    stage_channels: list[int] | tuple[int, ...] = (64, 128, 256)
    blocks_per_stage: int = 2
    attention_units: int = 256
    attention_lambda: float | int = 0.3
    share_attention: bool = True
    head_hidden_size: int = 128
    head_dropout: float | int = 0.2

    def validate_architecture(self):
        """Reject shapes the network cannot build, domain names that cannot name a module and class names that do not
        fit their domain's head."""
        if self.n_mels <= 0 or self.n_mels % 8:
            raise ValueError(f"n_mels={self.n_mels}: must be a positive multiple of 8 (three stride-2 stages).")
        widths = [self.stem_channels, *self.stage_channels]
        if any(wider != 2 * narrower for narrower, wider in zip(widths, widths[1:])):
            raise ValueError(
                f"stem_channels={self.stem_channels}, stage_channels={list(self.stage_channels)}: each stack must "
                "have twice the filters of its input, as the zero-padding shortcut requires."
            )
        unknown = sorted(set(self.domain_labels) - set(self.domains))
        if unknown:
            raise ValueError(
                f"domain_labels names the domains {unknown}, which are not in domains {sorted(self.domains)}; give "
                "class names only for the model's domains."
            )
        for name, num_labels in self.domains.items():
            check_domain(name, num_labels, self.domain_labels.get(name))


__all__ = ["EmoNetConfig"]
