"""The parameter-efficient option of the multi-task wav2vec 2.0 model: LoRA on the backbone's attention projections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .configuration_mtl_wav2vec2 import MtlWav2Vec2Config

if TYPE_CHECKING:
    from peft import LoraConfig

ATTENTION_PROJECTIONS = ["q_proj", "k_proj", "v_proj", "out_proj"]


def lora_config(config: MtlWav2Vec2Config, r: int = 8, lora_alpha: int = 16, lora_dropout: float = 0.05) -> LoraConfig:
    """LoRA adapters on the query, key, value and output projections of every backbone attention layer.

    The task heads are new, so they stay fully trainable and are saved with the adapter (`modules_to_save`);
    everything else, the CNN feature encoder included, stays frozen. Use with `peft.get_peft_model(model, ...)`.
    peft is imported here: a model family imports nothing that imports transformers itself (see `ser_hub.models`).
    """
    from peft import LoraConfig

    return LoraConfig(
        r=r,
        lora_alpha=lora_alpha,
        lora_dropout=lora_dropout,
        target_modules=ATTENTION_PROJECTIONS,
        modules_to_save=[f"heads.{name}" for name in config.head_names],
    )
