import pytest

from qaforge_worker.cli import build_parser
from qaforge_worker.options import LocalOptions, TrainOptions, apply_params, from_args


def test_defaults_follow_the_reference_recipe():
    o = TrainOptions()
    assert (o.batch_size, o.gradient_accumulation, o.learning_rate, o.lr_scheduler, o.epochs, o.max_length) == \
        (1, 1, 1e-4, "cosine", 1.0, 512)
    assert (o.lora_r, o.lora_alpha, o.target_modules) == (16, 32, "all-linear")
    assert o.packing is False and o.neftune_noise_alpha is None and o.probe is False


def test_service_params_are_camel_case_and_coerced():
    o, ignored = apply_params(TrainOptions(), {
        "epochs": 3, "learningRate": "2e-4", "loraR": 8, "loraAlpha": 16, "maxLength": 1024, "packing": "true",
        "probe": True, "neftuneNoiseAlpha": 5, "batchSize": 2, "gradientAccumulation": 4, "seed": 7,
        "somethingNew": 1, "output": "/etc", "baseModel": "x"})
    assert (o.epochs, o.learning_rate, o.lora_r, o.lora_alpha, o.max_length) == (3.0, 2e-4, 8, 16, 1024)
    assert o.packing is True and o.probe is True and o.neftune_noise_alpha == 5.0
    assert (o.batch_size, o.gradient_accumulation, o.seed) == (2, 4, 7)
    assert not hasattr(o, "output") and not hasattr(o, "base_model")  # the service cannot redirect files or models
    assert sorted(ignored) == ["baseModel", "output", "somethingNew"]


def test_bad_param_value_names_the_param():
    with pytest.raises(ValueError, match="learningRate"):
        apply_params(TrainOptions(), {"learningRate": "fast"})


def test_cli_train_flags_map_to_options():
    args = build_parser().parse_args(["train", "--dataset", "d", "--base-model", "m", "--output", "o",
                                      "--learning-rate", "3e-4", "--packing", "--neftune-noise-alpha", "5",
                                      "--no-gradient-checkpointing", "--epochs", "2"])
    o, local = from_args(TrainOptions, args), from_args(LocalOptions, args)
    assert (local.dataset, local.base_model, local.output, o.learning_rate, o.epochs) == ("d", "m", "o", 3e-4, 2.0)
    assert o.packing is True and o.neftune_noise_alpha == 5.0 and o.gradient_checkpointing is False


def test_cli_train_requires_dataset_model_and_output(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--dataset", "d"])
    assert "--base-model" in capsys.readouterr().err


@pytest.mark.parametrize("ratio", [1, 1.0, 5, -0.1])
def test_a_warmup_ratio_outside_0_to_1_is_refused_as_transformers_would_read_it_as_steps(ratio):
    with pytest.raises(ValueError, match=r"warmupRatio.*from 0 up to, but not including, 1"):
        apply_params(TrainOptions(), {"warmupRatio": ratio})
    assert apply_params(TrainOptions(), {"warmupRatio": 0.1})[0].warmup_ratio == 0.1
