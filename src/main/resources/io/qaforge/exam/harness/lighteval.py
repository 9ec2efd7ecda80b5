

# --- lighteval glue: the scoring above is the qaforge worker's own (worker/src/qaforge_worker/scoring.py), so a score
# from `lighteval` and one from qaforge mean the same thing. TASK, MAX_NEW_TOKENS and IN_CONTEXT_PROMPT are set at the
# top of this file by the export. ---
from pathlib import Path as _Path

import numpy as _np
from lighteval.metrics.metrics_sample import SampleLevelComputation as _SampleLevelComputation
from lighteval.metrics.utils.metric_utils import SampleLevelMetricGrouping as _SampleLevelMetricGrouping
from lighteval.tasks.lighteval_task import LightevalTaskConfig as _LightevalTaskConfig
from lighteval.tasks.requests import Doc as _Doc, SamplingMethod as _SamplingMethod

_DATA = str(_Path(__file__).resolve().parent / "data")
_METRICS = ["key_facts", "exact_match", "token_f1", "contained"]


def closed_book(line: dict, task_name: str) -> _Doc:
    """Every question of the exam, asked alone."""
    return _Doc(task_name=task_name, query=line["question"], choices=[line["answer"]], gold_index=0,
                specific={"question": line["question"]})


def in_context(line: dict, task_name: str) -> _Doc:
    """The ceiling: a question that carries its source text, asked with it."""
    return _Doc(task_name=task_name, query=IN_CONTEXT_PROMPT.format(context=line["context"], question=line["question"]),
                choices=[line["answer"]], gold_index=0, specific={"question": line["question"]})


class _QaforgeScores(_SampleLevelComputation):
    def compute(self, doc: _Doc, model_response, **kwargs) -> dict:
        scores = score(model_response.final_text[0], doc.get_golds()[0], doc.specific["question"])
        return {"key_facts": float(scores["keyFacts"]), "exact_match": float(scores["exactMatch"]),
                "token_f1": float(scores["f1"]), "contained": float(scores["contained"])}


QAFORGE_SCORES = _SampleLevelMetricGrouping(
    metric_name=_METRICS, higher_is_better=dict.fromkeys(_METRICS, True), category=_SamplingMethod.GENERATIVE,
    sample_level_fn=_QaforgeScores(), corpus_level_fn=dict.fromkeys(_METRICS, _np.mean))


def _task(name: str, prompt, keep=None) -> _LightevalTaskConfig:
    # Greedy is lighteval's default for generative tasks; the model config must not set a temperature.
    return _LightevalTaskConfig(name=name, prompt_function=prompt, hf_repo=_DATA, hf_subset="default", hf_filter=keep,
                                hf_avail_splits=["test"], evaluation_splits=["test"], few_shots_split=None,
                                few_shots_select=None, generation_size=MAX_NEW_TOKENS, stop_sequence=[],
                                metrics=[QAFORGE_SCORES], version=1)


TASKS_TABLE = [_task(TASK, closed_book)]
if IN_CONTEXT:
    TASKS_TABLE.append(_task(TASK + "_in_context", in_context, keep=lambda line: bool(line.get("context"))))
