"""The joint model: one encoder, a sentence head and two token heads.

* sentence head: mean-pooled encoder states -> the five labels;
* span head: BIO tags for the primary stance's actor and cue;
* claim head: BIO tags for every stance's actor, content and cue, the cue tag carrying
  the stance's label (so claims can be rebuilt from tags).

Saved and loaded with ``save_pretrained`` / ``from_pretrained`` (safetensors), labels
and tag sets in the config.

Example:
    >>> config = ClaimStanceConfig.for_encoder("minilm")
    >>> model = ClaimStanceModel.from_encoder(config)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from claimstance.encoders import encoder_path
from claimstance.labels import CLAIM_TAGS, LABELS, TAGS


class ClaimStanceConfig(PretrainedConfig):
    """Configuration: the encoder's own config plus label and tag sets."""

    model_type = "claimstance"

    def __init__(
        self,
        encoder: dict[str, Any] | None = None,
        encoder_name: str | None = None,
        labels: list[str] | None = None,
        tags: list[str] | None = None,
        claim_tags: list[str] | None = None,
        classifier_dropout: float = 0.1,
        span_loss_weight: float = 1.0,
        claim_loss_weight: float = 0.5,
        max_seq_length: int = 128,
        **kwargs: Any,
    ) -> None:
        self.encoder = encoder or {}
        self.encoder_name = encoder_name
        self.labels = list(labels or LABELS)
        self.tags = list(tags or TAGS)
        self.claim_tags = list(claim_tags or CLAIM_TAGS)
        self.classifier_dropout = classifier_dropout
        self.span_loss_weight = span_loss_weight
        self.claim_loss_weight = claim_loss_weight
        self.max_seq_length = max_seq_length
        kwargs.setdefault("id2label", dict(enumerate(self.labels)))
        kwargs.setdefault("label2id", {name: i for i, name in enumerate(self.labels)})
        super().__init__(**kwargs)

    @classmethod
    def for_encoder(cls, encoder_name: str, encoder_layers: int = 0, **kwargs: Any) -> "ClaimStanceConfig":
        """A config for a named offline encoder (``minilm``, ``mpnet`` or a folder), keeping its
        first ``encoder_layers`` transformer layers (0: all of them).

        >>> ClaimStanceConfig.for_encoder("minilm", encoder_layers=3).encoder["num_hidden_layers"]
        3
        """
        encoder = AutoConfig.from_pretrained(encoder_path(encoder_name)).to_dict()
        if encoder_layers:
            if not 0 < encoder_layers <= encoder["num_hidden_layers"]:
                raise ValueError(f"encoder_layers must be 1..{encoder['num_hidden_layers']} for {encoder_name}")
            encoder["num_hidden_layers"] = encoder_layers
        return cls(encoder=encoder, encoder_name=encoder_name, **kwargs)

    def encoder_config(self) -> PretrainedConfig:
        """The encoder's config object, rebuilt from the stored dict."""
        if "model_type" not in self.encoder:
            raise ValueError("this config names no encoder (missing encoder.model_type)")
        params = {k: v for k, v in self.encoder.items() if k != "model_type"}
        return AutoConfig.for_model(self.encoder["model_type"], **params)


@dataclass
class ClaimStanceOutput(ModelOutput):
    """Logits of the three heads, and the joint loss when targets are given."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    span_logits: torch.Tensor | None = None
    claim_logits: torch.Tensor | None = None


class ClaimStanceModel(PreTrainedModel):
    """Encoder with a sentence head and two token heads, trained jointly."""

    config_class = ClaimStanceConfig
    base_model_prefix = "encoder"
    main_input_name = "input_ids"

    def __init__(self, config: ClaimStanceConfig) -> None:
        super().__init__(config)
        self.encoder = AutoModel.from_config(config.encoder_config(), add_pooling_layer=False)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.sentence_head = nn.Linear(hidden, len(config.labels))
        self.span_head = nn.Linear(hidden, len(config.tags))
        self.claim_head = nn.Linear(hidden, len(config.claim_tags))
        self.post_init()

    @classmethod
    def from_encoder(cls, config: ClaimStanceConfig) -> "ClaimStanceModel":
        """A fresh model whose encoder starts from the pretrained weights (its first layers
        when the config keeps fewer than the pretrained encoder has)."""
        model = cls(config)
        pretrained = AutoModel.from_pretrained(
            encoder_path(config.encoder_name), add_pooling_layer=False
        )
        kept = model.encoder.state_dict().keys()
        model.encoder.load_state_dict({k: v for k, v in pretrained.state_dict().items() if k in kept})
        return model

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear) and module is not None:
            module.weight.data.normal_(mean=0.0, std=0.02)
            if module.bias is not None:
                module.bias.data.zero_()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor | None = None,
        span_tags: torch.Tensor | None = None,
        claim_tags: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> ClaimStanceOutput:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        logits = self.sentence_head(self.dropout(pooled))
        tokens = self.dropout(states)
        span_logits = self.span_head(tokens)
        claim_logits = self.claim_head(tokens)
        loss = None
        if labels is not None:
            ce = nn.CrossEntropyLoss()
            loss = ce(logits.float(), labels)
            if span_tags is not None:
                loss = loss + self.config.span_loss_weight * ce(
                    span_logits.float().flatten(0, 1), span_tags.flatten()
                )
            if claim_tags is not None:
                loss = loss + self.config.claim_loss_weight * ce(
                    claim_logits.float().flatten(0, 1), claim_tags.flatten()
                )
        return ClaimStanceOutput(
            loss=loss, logits=logits, span_logits=span_logits, claim_logits=claim_logits
        )


AutoConfig.register("claimstance", ClaimStanceConfig)
AutoModel.register(ClaimStanceConfig, ClaimStanceModel)
