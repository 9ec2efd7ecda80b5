import pytest

from qaforge_worker.cli import build_parser
from qaforge_worker.options import LocalOptions, apply_params, defaults, parse, with_params


@pytest.fixture(scope="module")
def recipe():
    return defaults()


def test_defaults_follow_the_reference_recipe(recipe):
    sft, model = recipe.sft, recipe.model
    assert (sft.per_device_train_batch_size, sft.gradient_accumulation_steps, sft.learning_rate,
            sft.lr_scheduler_type.value, sft.num_train_epochs, sft.max_length) == (1, 1, 1e-4, "cosine", 1.0, 512)
    assert (model.use_peft, model.lora_r, model.lora_alpha, model.lora_dropout, model.lora_target_modules) == \
        (True, 16, 32, 0.0, "all-linear")
    assert sft.packing is False and sft.neftune_noise_alpha is None and recipe.worker.probe is False
    assert sft.bf16 is False and sft.use_cpu is True  # no CUDA here: fp32 on the CPU, not TRL's bf16 default


def test_service_params_map_onto_trl_fields(recipe):
    o, ignored = apply_params(recipe, {
        "epochs": 600, "learningRate": 1e-8, "lrScheduler": "constant", "loraR": 8, "loraAlpha": 16,
        "maxLength": 1024, "packing": True, "probe": True, "neftuneNoiseAlpha": 5, "batchSize": 2,
        "gradientAccumulation": 4, "seed": 7, "targetModules": "q_proj,v_proj", "useDora": True, "useRslora": True,
        "weightDecay": 0.01, "maxGradNorm": 0.5, "optim": "adamw_torch", "useLigerKernel": True, "torchCompile": True,
        "loadIn4bit": True, "earlyStoppingPatience": 3, "somethingNew": 1, "output": "/etc", "baseModel": "x"})
    sft, model = o.sft, o.model
    assert (sft.num_train_epochs, sft.learning_rate, sft.lr_scheduler_type.value, sft.max_length) == \
        (600.0, 1e-8, "constant", 1024)
    assert (model.lora_r, model.lora_alpha, model.lora_target_modules) == (8, 16, ["q_proj", "v_proj"])
    assert model.use_dora and model.use_rslora and model.load_in_4bit
    assert (sft.weight_decay, sft.max_grad_norm, sft.optim.value) == (0.01, 0.5, "adamw_torch")
    assert sft.use_liger_kernel and sft.torch_compile and sft.packing and sft.neftune_noise_alpha == 5.0
    assert (sft.per_device_train_batch_size, sft.gradient_accumulation_steps, sft.seed) == (2, 4, 7)
    assert o.worker.probe and o.worker.early_stopping_patience == 3
    assert sorted(ignored) == ["baseModel", "output", "somethingNew"]  # never a path, a model or a URL
    assert o.key() != recipe.key()  # checkpoints of the recipe are not resumed with these options
    assert with_params({"evalLimit": 5, "merge": True}, recipe).key() == recipe.key()  # scoring, not training


@pytest.mark.parametrize("name, value, says", [
    ("learningRate", "fast", "must be a number"),
    ("learningRate", 1e-10, "from 1e-09 to 1"),
    ("epochs", 1001, "from 0.01 to 1000"),
    ("batchSize", 1.5, "must be an integer"),
    ("packing", "true", "true or false"),
    ("attnImplementation", "kernels-community/flash-attn", "sdpa"),  # a Hub kernel repo would run its code here
    ("lrScheduler", "reduce_lr_on_plateau", "one of"),
    ("saveSteps", 2.5, "whole number"),
])
def test_a_bad_param_value_names_the_param_and_what_is_allowed(recipe, name, value, says):
    with pytest.raises(ValueError, match=rf"{name}=.*{says}"):
        apply_params(recipe, {name: value})


@pytest.mark.parametrize("ratio", [1, 1.0, 5, -0.1])
def test_a_warmup_ratio_outside_0_to_1_is_refused_as_transformers_would_read_it_as_steps(recipe, ratio):
    with pytest.raises(ValueError, match=r"warmupRatio.*from 0 up to, but not including, 1"):
        apply_params(recipe, {"warmupRatio": ratio})
    assert apply_params(recipe, {"warmupRatio": 0.1})[0].sft.warmup_steps == 0.1


def test_cli_takes_trl_flags(tmp_path):
    options, (local, args) = parse(build_parser("train"), [
        "--dataset", "d", "--model_name_or_path", "m", "--output_dir", str(tmp_path), "--learning-rate", "3e-4",
        "--packing", "--neftune_noise_alpha", "5", "--num_train_epochs", "2", "--use_dora", "--weight_decay", "0.1",
        "--early_stopping_patience", "4", "--token", "t"])
    assert isinstance(local, LocalOptions) and (local.dataset, args.token) == ("d", "t")
    assert (options.model.model_name_or_path, options.sft.output_dir) == ("m", str(tmp_path))
    assert (options.sft.learning_rate, options.sft.num_train_epochs, options.sft.weight_decay) == (3e-4, 2.0, 0.1)
    assert options.sft.packing and options.sft.neftune_noise_alpha == 5.0 and options.model.use_dora
    assert options.worker.early_stopping_patience == 4
    assert options.model.lora_r == 16 and options.sft.lr_scheduler_type.value == "cosine"  # the recipe stays


def test_cli_train_requires_model_and_output(tmp_path, capsys):
    from qaforge_worker.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--dataset", "d", "--output_dir", str(tmp_path)])
    assert "--model_name_or_path" in capsys.readouterr().err
