"""qaforge GPU training worker: LoRA fine-tuning on synthetic Q/A chat datasets, with recall evaluation."""

__version__ = "0.1.0"
