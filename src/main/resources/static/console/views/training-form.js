// The run form of #trainings: what to train on (a job or a dataset; nothing, for an evaluation on an exam), the exam,
// the base model and the recipe's key parameters with the worker's defaults from the service's settings. Start run
// queues one run; Compare base models queues one evaluation per model on the same exam.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, short} from '../format.js';
import {settings} from '../settings.js';
import {isAbort} from '../wait.js';
import {showError} from '../widgets.js';

export function trainingForm(signal) {
    const body = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
    const card = h('details', {id: 'new-training', class: 'card'}, h('summary', {}, h('h2', {}, 'New training run')), body);
    build(card, body, signal).catch(e => {
        if (!isAbort(e)) showError(body, e);
    });
    return card;
}

async function build(card, body, signal) {
    const [{trainings}, jobs, datasets, exams] = await Promise.all([settings(), api.get('/api/jobs?size=100', signal),
        api.get('/api/datasets?size=100', signal), api.get('/api/exams?size=100', signal)]);
    const run = {
        errorSlot: h('div', {id: 'training-form-error'}),
        source: sourceSelect(jobs.content, datasets.content),
        exam: h('select', {name: 'exam', 'aria-label': 'Exam'}, h('option', {value: ''}, 'the test split (default)'),
            exams.content.map(e => h('option', {value: e.id}, `${e.name} · ${fmt(e.questionCount)} questions`))),
        params: trainings.params.filter(p => p.key),
    };
    run.form = h('form', {id: 'training-form', novalidate: true, onsubmit: e => start(run, e)},
        h('div', {class: 'row'}, h('label', {}, 'Train on ', run.source), h('label', {}, 'Exam ', run.exam)),
        h('div', {class: 'row'},
            h('label', {title: 'each hand-written train pair of the dataset is trained on this many times per epoch'},
                'Hand-written rows × ', h('input', {name: 'handWrittenRepeat', type: 'number', size: 5, min: 1, max: 1000, step: 1, value: 1})),
            h('label', {title: 'the dataset’s hand-written pairs are meant to be the exam’s questions too'},
                h('input', {type: 'checkbox', name: 'examOverlap'}), ' train on the exam’s own questions')),
        h('div', {class: 'row'},
            h('label', {}, 'Base model ', h('input', {name: 'baseModel', size: 32, placeholder: 'Qwen/Qwen2.5-0.5B-Instruct'})),
            h('label', {}, h('input', {type: 'checkbox', name: 'evaluateOnly'}), ' evaluate only (before and in context, no training)')),
        h('fieldset', {}, h('legend', {}, 'Parameters (the worker’s defaults)'),
            h('div', {class: 'row params'}, run.params.map(input))),
        run.errorSlot,
        h('div', {class: 'actions'}, h('button', {id: 'start-training', type: 'submit', class: 'primary'}, 'Start run')),
        h('fieldset', {}, h('legend', {}, 'Compare base models: which one knows most already?'),
            h('textarea', {name: 'models', rows: 3, cols: 40, placeholder: 'one model id per line'}),
            h('div', {class: 'actions'}, h('button', {id: 'compare-models', type: 'button', onclick: () => compare(run)},
                'Compare base models'))));
    body.replaceChildren(run.form);
    if (!jobs.content.length && !exams.content.length) card.open = true;
}

/** What a run trains on: a job, a dataset, or nothing (an evaluation). */
function sourceSelect(jobs, datasets) {
    return h('select', {name: 'source', 'aria-label': 'Train on'},
        h('optgroup', {label: 'Jobs'}, jobs.map(job => h('option', {value: 'job:' + job.id},
            `job ${short(job.id)} · ${job.status.toLowerCase()} · ${fmt(job.pairsAccepted)} pairs`))),
        h('optgroup', {label: 'Datasets'}, datasets.map(d => h('option', {value: 'dataset:' + d.id},
            `${d.name} · ${d.jobIds.length} jobs` + (d.handWritten?.train ? ` · ${fmt(d.handWritten.train)} hand-written` : '')))),
        h('option', {value: ''}, 'nothing: evaluate on the exam only'));
}

/** The source, the exam and the parameters that differ from the worker's defaults. */
function request({form, source, exam, params}) {
    const [kind, id] = source.value.split(':');
    const run = {};
    if (kind === 'job') run.jobId = id;
    if (kind === 'dataset') run.datasetId = id;
    const repeat = Number(form.elements.handWrittenRepeat.value);
    if (repeat !== 1) run.handWrittenRepeat = repeat;
    if (form.elements.examOverlap.checked) run.examOverlap = true;
    if (exam.value) run.examId = exam.value;
    const chosen = {};
    for (const p of params) {
        const field = form.elements['param-' + p.name];
        const value = p.type === 'boolean' ? field.checked : field.value.trim() === '' ? null : Number(field.value);
        if (value != null && value !== p.defaultValue) chosen[p.name] = value;
    }
    run.params = chosen;
    return run;
}

async function start(run, event) {
    event.preventDefault();
    run.errorSlot.replaceChildren();
    try {
        const queued = await api.post('/api/trainings', {...request(run), baseModel: run.form.elements.baseModel.value.trim(),
            evaluateOnly: run.form.elements.evaluateOnly.checked || !run.source.value});
        location.hash = '#trainings/' + queued.id;
    } catch (e) {
        showError(run.errorSlot, e);
    }
}

async function compare(run) {
    run.errorSlot.replaceChildren();
    const baseModels = run.form.elements.models.value.split('\n').map(m => m.trim()).filter(Boolean);
    try {
        const {handWrittenRepeat, examOverlap, ...evaluation} = request(run); // an evaluation trains on nothing
        const comparison = await api.post('/api/trainings/compare', {...evaluation, baseModels});
        location.hash = '#trainings/compare/' + comparison.id;
    } catch (e) {
        showError(run.errorSlot, e);
    }
}

/** An input for a parameter as the settings describe it, holding the worker's default. */
function input(p) {
    const name = 'param-' + p.name;
    if (p.type === 'boolean') {
        return h('label', {title: p.description}, h('input', {type: 'checkbox', name, checked: p.defaultValue === true}), ' ' + p.name);
    }
    return h('label', {title: p.description}, p.name + ' ', h('input', {name, type: 'number', size: 8, min: p.min, max: p.max,
        step: p.type === 'integer' ? 1 : 'any', value: p.defaultValue ?? '', placeholder: p.defaultValue == null ? 'worker decides' : null}));
}
