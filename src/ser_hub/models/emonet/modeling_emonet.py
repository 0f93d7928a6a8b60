"""EmoNet adapter ResNet (Gerczuk et al., "EmoNet: A Transfer Learning Framework for Multi-Corpus Speech Emotion
Recognition", IEEE Trans. Affective Computing, 2021, §5.2): a Wide-ResNet over a log-mel spectrogram in which every
3x3 convolution has a parallel 1x1 residual adapter and a batch norm per domain, 2D attention pooling and a
classification head per domain. Everything else is shared between the domains (corpora).

Padded batches give the same outputs as one clip at a time: activations at padded frames are zeroed before every
layer that mixes neighbouring frames (what a single clip's zero padding sees) and get no attention weight.
"""

from collections.abc import Callable, Sequence

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.modeling_outputs import BaseModelOutputWithPooling, SequenceClassifierOutput

from .configuration_emonet import EmoNetConfig, check_domain

try:  # inside ser-hub: its error base class
    from ser_hub.errors import SerHubError
except ImportError:  # a saved model folder loaded with trust_remote_code where ser-hub is not installed

    class SerHubError(Exception):
        """Stand-in for `ser_hub.errors.SerHubError`."""


class UnknownDomainError(SerHubError, ValueError):
    """A domain the model has no adapters and head for."""


class PerDomain(nn.ModuleDict):
    """One module per domain, made by `build(num_labels)`: the domain-specific parameters of a layer."""

    def __init__(self, build: Callable[[int], nn.Module], domains: dict[str, int]):
        super().__init__({name: build(num_labels) for name, num_labels in domains.items()})
        self.build = build

    def add(self, name: str, num_labels: int) -> nn.Module:
        self[name] = self.build(num_labels)
        return self[name]


def downsample_mask(mask: torch.Tensor, stride: int) -> torch.Tensor:
    """The frame mask [batch, 1, 1, frames] after a stride-`stride` layer with 'same' padding."""
    return mask[..., ::stride]


class EmoNetAdaptedConv(nn.Module):
    """Shared 3x3 convolution + the domain's parallel 1x1 residual adapter (same stride), summed, then the domain's
    BatchNorm. The input's padded frames are zeroed first."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, domains: dict[str, int]):
        super().__init__()
        self.convolution = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.adapters = PerDomain(
            lambda _: nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False), domains
        )
        self.norms = PerDomain(lambda _: nn.BatchNorm2d(out_channels), domains)

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor, domain: str) -> torch.Tensor:
        hidden_states = hidden_states * mask
        return self.norms[domain](self.convolution(hidden_states) + self.adapters[domain](hidden_states))


class EmoNetBlock(nn.Module):
    """Residual block: adapted conv (stride s) -> ReLU -> adapted conv -> + shortcut -> ReLU. A stride-2 block's
    shortcut is a 2x2 average pool with the channels doubled by zeros."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, domains: dict[str, int]):
        super().__init__()
        self.stride = stride
        self.first = EmoNetAdaptedConv(in_channels, out_channels, stride, domains)
        self.second = EmoNetAdaptedConv(out_channels, out_channels, 1, domains)
        self.extra_channels = out_channels - in_channels

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor, domain: str):
        out_mask = downsample_mask(mask, self.stride)
        output = self.second(torch.relu(self.first(hidden_states, mask, domain)), out_mask, domain)
        shortcut = hidden_states
        if self.stride > 1:
            # One zero frame at the end: an odd time axis's last window averages four values, padded batch or not,
            # and an even one leaves it out (pooling floors), so no shape depends on the length's parity.
            shortcut = nn.functional.avg_pool2d(nn.functional.pad(hidden_states * mask, (0, 1)), 2)
            shortcut = nn.functional.pad(shortcut, (0, 0, 0, 0, 0, self.extra_channels))
        return torch.relu(output + shortcut), out_mask


class EmoNetAttentionPooling(nn.Module):
    """2D attention pooling over the N_f x N_t positions x_i: e_i = u^T tanh(W x_i + b), alpha = softmax(lambda e)
    over the valid positions, c = sum_i alpha_i x_i."""

    def __init__(self, channels: int, units: int, smoothing: float):
        super().__init__()
        self.projection = nn.Linear(channels, units)
        self.context = nn.Linear(units, 1, bias=False)
        self.smoothing = smoothing

    def forward(self, positions: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """`positions` [batch, N, channels] and `valid` [batch, N] -> [batch, channels]."""
        scores = self.context(torch.tanh(self.projection(positions))).squeeze(-1) * self.smoothing
        weights = torch.softmax(scores.masked_fill(~valid, float("-inf")), dim=-1)
        return torch.einsum("bn,bnc->bc", weights, positions)


class EmoNetPreTrainedModel(PreTrainedModel):
    config: EmoNetConfig
    config_class = EmoNetConfig
    base_model_prefix = "emonet"
    main_input_name = "input_features"
    input_modalities = "audio"

    @torch.no_grad()
    def _init_weights(self, module):
        """He-normal convolutions (as the reference implementation); the library defaults elsewhere."""
        if isinstance(module, nn.Conv2d):
            init.kaiming_normal_(module.weight, nonlinearity="relu")
        else:
            super()._init_weights(module)

    def add_domain(self, name: str, num_labels: int, labels: Sequence[str] | None = None) -> None:
        """Add a domain: fresh adapters, batch norms and head (and attention, when not shared) for `num_labels`
        classes, named `labels` in the config (`domain_labels`, what predictions are reported as) when given.
        Together with `freeze_shared()` this is EmoNet's transfer to a new corpus."""
        if name in self.config.domains:
            raise ValueError(f"domain {name!r} exists already (domains: {sorted(self.config.domains)}); pick a new name.")
        check_domain(name, num_labels, labels)
        self.config.domains = {**self.config.domains, name: num_labels}
        if labels is not None:
            self.config.domain_labels = {**self.config.domain_labels, name: list(labels)}
        for module in list(self.modules()):
            if isinstance(module, PerDomain):
                module.add(name, num_labels).apply(self._init_weights)

    def freeze_shared(self) -> None:
        """Freeze every shared parameter: only adapters, per-domain batch norms, heads (and per-domain attention)
        stay trainable, the paper's transfer setting."""
        domain_specific = {id(parameter) for parameter in self._domain_parameters()}
        for parameter in self.parameters():
            parameter.requires_grad = id(parameter) in domain_specific

    def trainable_parameter_summary(self) -> dict:
        """Parameter counts: `total`, `trainable`, `shared` and, per domain, its domain-specific parameters."""
        total = sum(parameter.numel() for parameter in self.parameters())
        domains = {name: sum(p.numel() for p in self._domain_parameters(name)) for name in self.config.domains}
        return {
            "total": total,
            "trainable": sum(parameter.numel() for parameter in self.parameters() if parameter.requires_grad),
            "shared": total - sum(domains.values()),
            "domains": domains,
        }

    def _domain_parameters(self, name: str | None = None) -> list[nn.Parameter]:
        """The parameters of domain `name` (of all domains when None)."""
        return [
            parameter
            for module in self.modules()
            if isinstance(module, PerDomain)
            for domain, member in module.items()
            if name is None or domain == name
            for parameter in member.parameters()
        ]

    def _check_domain(self, domain: str | None) -> str:
        """The domain to run: the one given, or the only one there is."""
        if domain is None and len(self.config.domains) == 1:
            return next(iter(self.config.domains))
        if domain not in self.config.domains:
            raise UnknownDomainError(
                f"domain={domain!r}: unknown to this model; its domains are {sorted(self.config.domains)}. "
                "Pass one of them, or add one with model.add_domain(name, num_labels, labels)."
            )
        return domain


class EmoNetModel(EmoNetPreTrainedModel):
    """The adapter ResNet and attention pooling. `last_hidden_state`: the N_f x N_t positions [batch, N, channels]
    (zero at padded frames); `pooler_output`: the attention-pooled embedding [batch, channels]."""

    def __init__(self, config: EmoNetConfig):
        super().__init__(config)
        domains = config.domains
        self.stem = EmoNetAdaptedConv(1, config.stem_channels, 1, domains)
        blocks, in_channels = [], config.stem_channels
        for channels in config.stage_channels:
            for index in range(config.blocks_per_stage):
                blocks.append(EmoNetBlock(in_channels, channels, 2 if index == 0 else 1, domains))
                in_channels = channels
        self.blocks = nn.ModuleList(blocks)
        self.final_norms = PerDomain(lambda _: nn.BatchNorm2d(in_channels), domains)

        def attention(_num_labels=None):
            return EmoNetAttentionPooling(in_channels, config.attention_units, config.attention_lambda)

        self.attention = attention() if config.share_attention else PerDomain(attention, domains)
        self.post_init()

    def forward(
        self, input_features: torch.Tensor, attention_mask: torch.Tensor | None = None, domain: str | None = None
    ) -> BaseModelOutputWithPooling:
        """`input_features` [batch, 1, n_mels, frames] and a right-padded frame `attention_mask` [batch, frames]."""
        domain = self._check_domain(domain)
        if input_features.ndim != 4 or input_features.shape[1] != 1:
            raise ValueError(
                f"input_features: expected [batch, 1, n_mels, frames], got shape {tuple(input_features.shape)}; "
                "use the model's feature extractor."
            )
        if attention_mask is None:
            attention_mask = torch.ones(input_features.shape[0], input_features.shape[-1], device=input_features.device)
        mask = attention_mask[:, None, None, :].to(input_features.dtype)
        hidden_states = torch.relu(self.stem(input_features, mask, domain))
        for block in self.blocks:
            hidden_states, mask = block(hidden_states, mask, domain)
        hidden_states = torch.relu(self.final_norms[domain](hidden_states)) * mask
        positions = hidden_states.flatten(2).transpose(1, 2)
        valid = mask.expand(-1, -1, hidden_states.shape[2], -1).flatten(1).bool()
        attention = self.attention if self.config.share_attention else self.attention[domain]
        return BaseModelOutputWithPooling(last_hidden_state=positions, pooler_output=attention(positions, valid))


class EmoNetForSequenceClassification(EmoNetPreTrainedModel):
    """EmoNet with a head per domain (FC -> BatchNorm -> ReLU -> dropout -> classifier); `forward(domain=...)` picks
    the adapters and the head. With `labels`, the loss is the cross-entropy of that domain's head."""

    def __init__(self, config: EmoNetConfig):
        super().__init__(config)
        self.emonet = EmoNetModel(config)
        channels = config.stage_channels[-1]
        self.heads = PerDomain(
            lambda num_labels: nn.Sequential(
                nn.Linear(channels, config.head_hidden_size),
                nn.BatchNorm1d(config.head_hidden_size),
                nn.ReLU(),
                nn.Dropout(config.head_dropout),
                nn.Linear(config.head_hidden_size, num_labels),
            ),
            config.domains,
        )
        self.post_init()

    def forward(
        self,
        input_features: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        domain: str | None = None,
        labels: torch.Tensor | None = None,
    ) -> SequenceClassifierOutput:
        domain = self._check_domain(domain)
        outputs = self.emonet(input_features, attention_mask=attention_mask, domain=domain)
        logits = self.heads[domain](outputs.pooler_output)
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return SequenceClassifierOutput(loss=loss, logits=logits)


__all__ = ["EmoNetForSequenceClassification", "EmoNetModel", "EmoNetPreTrainedModel", "UnknownDomainError"]
