"""BYOL (AudioNTT2020) audio encoder: BYOL-A (Niizumi et al., 2021) and BYOL-S (Scheidwasser-Clow et al., 2022).

Padded batches give the same embeddings as one utterance at a time: frames beyond each utterance's length are zeroed
before every layer that mixes neighbouring frames (exactly what the convolutions' own zero padding sees on a single
utterance) and are left out of the temporal pooling.
"""

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import BaseModelOutputWithPooling, SequenceClassifierOutput
from transformers.utils.generic import can_return_tuple

from .configuration_byol import ByolConfig


def frame_mask(lengths: torch.Tensor, num_frames: int) -> torch.Tensor:
    """Boolean [batch, num_frames]: True on each utterance's first `lengths[i]` frames."""
    return torch.arange(num_frames, device=lengths.device) < lengths[:, None]


def zero_padding(hidden_states: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Zero the frames of [batch, channels, mel, time] at or beyond each utterance's length."""
    return hidden_states * frame_mask(lengths, hidden_states.shape[-1])[:, None, None, :].to(hidden_states.dtype)


def pool_frames(frames: torch.Tensor, lengths: torch.Tensor, pooling: str) -> torch.Tensor:
    """Temporal `"mean"` or `"mean+max"` (the two summed, as BYOL-A does) of [batch, frames, dim] over valid frames."""
    valid = frame_mask(lengths, frames.shape[1]).unsqueeze(-1)
    mean = (frames * valid).sum(1) / lengths[:, None].to(frames.dtype)
    if pooling == "mean":
        return mean
    return mean + frames.masked_fill(~valid, float("-inf")).amax(1)


def input_lengths(input_features: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    """Frames per utterance from a right-padded frame mask (all frames when there is no mask)."""
    if input_features.ndim != 4 or input_features.shape[1] != 1:
        raise ValueError(
            f"input_features: expected [batch, 1, n_mels, frames], got shape {tuple(input_features.shape)}; "
            "use the model's feature extractor."
        )
    batch_size, num_frames = input_features.shape[0], input_features.shape[-1]
    if attention_mask is None:
        return torch.full((batch_size,), num_frames, dtype=torch.long, device=input_features.device)
    lengths = attention_mask.sum(-1).long()
    if attention_mask.shape != (batch_size, num_frames) or not (
        torch.compiler.is_exporting() or torch.equal(attention_mask.bool(), frame_mask(lengths, num_frames))
    ):
        raise ValueError(
            f"attention_mask: expected a right-padded frame mask of shape {(batch_size, num_frames)} "
            f"(ones then zeros), got shape {tuple(attention_mask.shape)}; pad on the right (padding_side='right')."
        )
    return lengths


def check_output_lengths(lengths: torch.Tensor, minimum_input_frames: int):
    """Refuse utterances too short to leave one frame after the encoder's downsampling (a check on values, so not
    part of an exported graph: `torch.export` traces shapes only)."""
    if not torch.compiler.is_exporting() and (lengths < 1).any():
        index = int(torch.nonzero(lengths < 1)[0])
        raise ValueError(
            f"input_features[{index}]: too short for the encoder, which needs at least {minimum_input_frames} "
            "frames; pad or drop utterances this short."
        )


class ByolConvBlock(nn.Module):
    """3x3 conv -> BatchNorm -> ReLU -> 2x2 max-pool.

    Runs channels-last (oneDNN's faster CPU convolution layout) and pools before the ReLU: the two commute, so the
    numbers are the same and the ReLU touches a quarter of the values.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.convolution = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.normalization = nn.BatchNorm2d(out_channels)
        self.activation = nn.ReLU()
        self.pooling = nn.MaxPool2d(2)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        hidden_states = self.convolution(hidden_states.contiguous(memory_format=torch.channels_last))
        return self.activation(self.pooling(self.normalization(hidden_states)))


class ByolEncoder(nn.Module):
    """Three conv blocks: [batch, 1, mel, time] -> [batch, channels, mel / 8, time / 8]."""

    def __init__(self, config: ByolConfig):
        super().__init__()
        channels = [1] + [config.conv_channels] * 3
        self.layers = nn.ModuleList(ByolConvBlock(channels[i], channels[i + 1]) for i in range(3))

    def forward(self, hidden_states: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for layer in self.layers:
            hidden_states = layer(zero_padding(hidden_states, lengths))
            lengths = lengths // 2
        return hidden_states, lengths


class ByolProjection(nn.Module):
    """Per-frame Linear -> ReLU -> Dropout -> Linear -> ReLU."""

    def __init__(self, in_features: int, config: ByolConfig):
        super().__init__()
        self.dense_in = nn.Linear(in_features, config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.dense_out = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.ReLU()

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense_out(self.dropout(self.activation(self.dense_in(frames)))))


class ByolPreTrainedModel(PreTrainedModel):
    config: ByolConfig
    base_model_prefix = "byol"
    main_input_name = "input_features"
    input_modalities = "audio"


class ByolModel(ByolPreTrainedModel):
    """BYOL encoder. `last_hidden_state`: frame features [batch, frames / 8, hidden_size] (zero on padded frames);
    `pooler_output`: the utterance embedding [batch, hidden_size] = temporal max + temporal mean of the valid frames."""

    minimum_input_frames = 8

    def __init__(self, config: ByolConfig):
        super().__init__(config)
        self.encoder = ByolEncoder(config)
        self.projection = ByolProjection(config.conv_channels * (config.n_mels // 8), config)
        self.post_init()

    @staticmethod
    def get_output_lengths(lengths: torch.Tensor) -> torch.Tensor:
        """Frames of `last_hidden_state` for inputs of `lengths` frames."""
        return lengths // 8

    @can_return_tuple
    def forward(
        self, input_features: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs
    ) -> BaseModelOutputWithPooling:
        r"""
        input_features (`torch.FloatTensor` of shape `(batch, 1, n_mels, frames)`):
            Standardised log-mel spectrograms from [`ByolFeatureExtractor`].
        attention_mask (`torch.LongTensor` of shape `(batch, frames)`, *optional*):
            1 on real frames, 0 on right padding.
        """
        lengths = input_lengths(input_features, attention_mask)
        check_output_lengths(self.get_output_lengths(lengths), self.minimum_input_frames)
        hidden_states, lengths = self.encoder(input_features, lengths)
        batch_size, channels, mel, time = hidden_states.shape
        frames = hidden_states.permute(0, 3, 2, 1).reshape(batch_size, time, mel * channels)
        frames = self.projection(frames) * frame_mask(lengths, time).unsqueeze(-1).to(frames.dtype)
        return BaseModelOutputWithPooling(last_hidden_state=frames, pooler_output=pool_frames(frames, lengths, "mean+max"))


class ByolForSequenceClassification(ByolPreTrainedModel):
    """Utterance classifier: the encoder's pooled embedding -> one linear layer. Works with `Trainer`."""

    embedding_model_class = ByolModel

    def __init__(self, config: ByolConfig):
        super().__init__(config)
        self.byol = self.embedding_model_class(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    @can_return_tuple
    def forward(
        self,
        input_features: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        r"""
        labels (`torch.LongTensor` of shape `(batch,)`, *optional*):
            Class indices in `[0, num_labels)`; a cross-entropy loss is returned when given.
        """
        outputs = self.byol(input_features, attention_mask=attention_mask)
        logits = self.classifier(outputs.pooler_output)
        loss = self.loss_function(labels, logits, self.config) if labels is not None else None
        return SequenceClassifierOutput(loss=loss, logits=logits)


__all__ = ["ByolModel", "ByolForSequenceClassification", "ByolPreTrainedModel"]
