// The new-job form of #jobs: choices and limits from the service's settings; Estimate, then Start job beside a fresh
// estimate. Built once and kept, so what was typed survives a look at a job.

import {api} from '../api.js';
import {$$, h} from '../dom.js';
import {fmt, fmtCost, fmtNumber} from '../format.js';
import {isSelected, select} from '../selection.js';
import {settings} from '../settings.js';
import {isAbort} from '../wait.js';
import {facts, showError} from '../widgets.js';

const body = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
export const newJob = h('details', {id: 'new-job', class: 'card'}, h('summary', {}, h('h2', {}, 'New job')), body);
let form;

/** Builds the form on the first visit that can read the settings, then lists the documents to pick from. */
export async function showForm(signal) {
    try {
        form ??= build(await settings());
        if (!body.contains(form.element)) body.replaceChildren(form.element);
    } catch (e) {
        if (!isAbort(e)) showError(body, e);
        return;
    }
    form.loadDocuments(signal);
}

function build({jobs}) {
    const form = fields(jobs);
    form.element = h('form', {id: 'job-form', novalidate: true, onsubmit: e => estimateJob(form, e), oninput: () => staleEstimate(form)},
        h('fieldset', {}, h('legend', {}, 'Documents'), form.documents),
        h('label', {class: 'wide'}, 'Context sentence ', h('textarea', {name: 'context', rows: 2, maxlength: jobs.contextMaxLength,
            required: true, placeholder: 'These questions are about the Touch Rugby rulebook (2024 edition).'})),
        h('div', {class: 'row'},
            h('label', {}, 'Provider ', form.provider),
            h('label', {}, 'Model ', form.model),
            h('datalist', {id: 'providers'}, jobs.providers.map(p => h('option', {value: p.name}))),
            form.models),
        temperatureRow(jobs.temperatures),
        h('div', {class: 'row'},
            h('label', {}, 'Strategy ', form.strategy),
            h('label', {}, form.judge, ' LLM judge grades every pair against its chunk')),
        h('div', {class: 'row'}, h('label', {}, 'Mode ', form.mode)),
        form.factOptions, form.variants, form.study,
        h('div', {class: 'row'}, h('label', {}, 'Language ', form.language)),
        h('div', {class: 'row'},
            h('label', {}, 'First chunks only ', h('input', {name: 'chunkLimit', type: 'number', min: 1, placeholder: 'all'})),
            h('label', {}, 'Test fraction ', h('input', {name: 'testFraction', type: 'number', min: 0, max: 1, step: 0.01,
                value: jobs.defaultTestFraction}))),
        form.errorSlot, form.estimate,
        h('div', {class: 'actions'}, h('button', {id: 'estimate-button', type: 'submit'}, 'Estimate'), form.start));
    offerModels(jobs, form);
    showStrategy(form);
    return {element: form.element, loadDocuments: signal => loadDocuments(form, signal)};
}

/** The form's parts that its handlers read or change. */
function fields(jobs) {
    const first = firstChoice(jobs.providers);
    const phrasings = (label, name, value) => h('label', {}, label + ' ',
        h('input', {name, type: 'number', min: name === 'reverse' ? 0 : 1, max: jobs.maxPhrasings, value, required: true}));
    const form = {
        documents: h('div', {id: 'job-documents', class: 'checklist'}),
        models: h('datalist', {id: 'models'}),
        model: h('input', {name: 'model', value: first.model, list: 'models', required: true}),
        errorSlot: h('div', {id: 'job-form-error'}),
        estimate: h('div', {id: 'estimate', hidden: true}),
        judge: h('input', {type: 'checkbox', name: 'judge', checked: true}),
        // A fact job asks per fact and direction and grades with the judge; a recipe job runs the chosen variants.
        variants: h('fieldset', {id: 'recipe-options'}, h('legend', {}, 'Variants'), h('div', {class: 'checklist inline'},
            jobs.variants.map(variant => h('label', {}, h('input', {type: 'checkbox', name: 'variant', value: variant,
                checked: jobs.defaultVariants.includes(variant)}), ' ' + variant)))),
        factOptions: h('div', {id: 'fact-options', class: 'row'},
            phrasings('Phrasings per fact', 'phrasings', jobs.defaultCoverage.phrasings),
            phrasings('of them reverse', 'reverse', jobs.defaultCoverage.reverse)),
        // Batch mode: the provider's Batch API, at its batch price, answers within its window (24 h) rather than seconds.
        mode: h('select', {name: 'mode'}, (jobs.modes || ['sync']).map(name => h('option', {value: name},
            name === 'batch' ? 'batch: half price, answers within 24 h' : name === 'sync' ? 'sync: answers now' : name))),
    };
    form.provider = h('input', {name: 'provider', value: first.provider, list: 'providers', required: true,
        oninput: () => offerModels(jobs, form)});
    form.study = studyOptions(jobs.study);
    form.language = h('select', {name: 'language'}, h('option', {value: ''}, 'each document\'s own'),
        (jobs.languages || []).map(code => h('option', {value: code}, code)));
    form.strategy = h('select', {name: 'strategy', onchange: () => showStrategy(form)}, jobs.strategies.map(name =>
        h('option', {value: name}, name === 'facts' ? 'facts: list each chunk\'s facts, cover each in both directions'
            : name === 'recipe' ? 'recipe: chunk × temperature × variant' : name)));
    form.start = h('button', {id: 'start-job', type: 'button', class: 'primary', hidden: true, onclick: () => startJob(form)},
        'Start job');
    return form;
}

/**
 * What a new job starts from: the first provider a job can use now and its cheapest priced model (else its first), as
 * the service's settings list them; blank when none can be used yet.
 */
function firstChoice(providers) {
    const provider = providers[0];
    const models = provider?.models || [];
    const price = m => Number(m.inputPerMillion) + Number(m.outputPerMillion);
    const priced = models.filter(m => m.inputPerMillion != null && m.outputPerMillion != null);
    const model = priced.length ? priced.reduce((a, b) => price(b) < price(a) ? b : a) : models[0];
    return {provider: provider?.name || '', model: model?.name || ''};
}

function temperatureRow(t) {
    const temperature = (label, name, value) => h('label', {}, label + ' ',
        h('input', {name, type: 'number', min: t.min, max: t.max, step: 0.01, value, required: true}));
    return h('div', {class: 'row'},
        h('label', {}, 'Temperatures ', h('input', {name: 'tempCount', type: 'number', min: 1, max: t.maxCount,
            value: t.defaultCount, required: true})),
        temperature('from', 'tempMin', t.defaultMin),
        temperature('to', 'tempMax', t.defaultMax));
}

/** The options of the chosen strategy; the judge starts as that strategy's default (on for facts, off for recipe). */
function showStrategy(form) {
    const facts = form.strategy.value === 'facts';
    form.factOptions.hidden = !facts;
    form.variants.hidden = facts;
    form.judge.checked = facts;
    form.study.elements.studyOn.checked = facts;
    showStudy(form.study);
}

/**
 * Study passages: on or off, which strategies, how many per chunk; starts as the service's default (every strategy,
 * one passage each), which fact jobs write unless told otherwise.
 */
function studyOptions(study) {
    const fieldset = h('fieldset', {id: 'study-options', onchange: () => showStudy(fieldset)},
        h('legend', {}, h('label', {}, h('input', {type: 'checkbox', name: 'studyOn', checked: true}), ' Study passages')),
        h('div', {class: 'checklist inline'}, study.strategies.map(name => h('label', {},
            h('input', {type: 'checkbox', name: 'studyStrategy', value: name, checked: true}), ' ' + name))),
        h('label', {}, 'Passages per chunk ', h('input', {name: 'perChunk', type: 'number', min: 1, max: study.maxPerChunk,
            value: study.defaultPerChunk, required: true})));
    return fieldset;
}

/** The strategies and count apply only while study passages are on. */
function showStudy(fieldset) {
    const off = !fieldset.elements.studyOn.checked;
    for (const input of fieldset.elements) if (input.name !== 'studyOn') input.disabled = off;
}

/** The chosen provider's models as suggestions, with their prices; batch mode where the provider takes batches. */
function offerModels(jobs, form) {
    const chosen = jobs.providers.find(p => p.name === form.provider.value.trim());
    const batchOption = [...form.mode.options].find(option => option.value === 'batch');
    if (batchOption) {
        batchOption.disabled = chosen ? !chosen.batch : false;
        if (batchOption.disabled && form.mode.value === 'batch') form.mode.value = 'sync';
    }
    form.models.replaceChildren(...(chosen?.models || []).map(m => h('option', {value: m.name,
        label: m.inputPerMillion == null ? 'not priced'
            : `$${fmtNumber(m.inputPerMillion)} in · $${fmtNumber(m.outputPerMillion)} out per million tokens`})));
}

function request({element, judge}) {
    const value = name => element.elements[name].value.trim();
    const checked = name => $$(`input[name=${name}]:checked`, element).map(box => box.value);
    const job = {
        documentIds: checked('document'),
        context: value('context'),
        provider: value('provider'),
        model: value('model'),
        temperatures: {count: Number(value('tempCount')), min: Number(value('tempMin')), max: Number(value('tempMax'))},
        strategy: value('strategy'),
        judge: judge.checked,
        mode: value('mode'),
    };
    if (job.strategy === 'facts') job.coverage = {phrasings: Number(value('phrasings')), reverse: Number(value('reverse'))};
    else job.variants = checked('variant');
    if (value('chunkLimit')) job.chunkLimit = Number(value('chunkLimit'));
    if (value('testFraction')) job.testFraction = Number(value('testFraction'));
    if (value('language')) job.language = value('language');
    job.study = element.elements.studyOn.checked
        ? {strategies: checked('studyStrategy'), perChunk: Number(value('perChunk'))} : false;
    return job;
}

function showEstimate(form, answer) {
    const e = answer.estimate || answer;
    form.estimate.replaceChildren(
        h('h3', {}, 'Estimate'),
        facts([['Chunks', fmt(e.chunks), 'chunks'], ['Requests', fmt(e.requests), 'requests'], ['Questions', fmt(e.questions)],
            e.factCalls ? ['Facts calls', fmt(e.factCalls), 'factCalls'] : null,
            e.judgeCalls ? ['Judge calls', fmt(e.judgeCalls), 'judgeCalls'] : null,
            e.studyCalls ? ['Study calls', fmt(e.studyCalls), 'studyCalls'] : null,
            e.topUpCalls ? ['Top-up calls (expected)', fmt(e.topUpCalls), 'topUpCalls'] : null,
            ['Prompt tokens', fmt(e.promptTokens), 'promptTokens'],
            ['Completion tokens (expected)', fmt(e.expectedCompletionTokens), 'completionTokens'],
            ['Cost', e.priced === false ? 'not priced' : fmtCost(e.costUsd) + (form.mode.value === 'batch' ? ' at batch prices' : ''), 'cost']]),
        answer.temperatures ? h('p', {class: 'muted'}, 'Temperatures ', answer.temperatures.map(fmtNumber).join(', '),
            ' · variants ', (answer.variants || []).join(', ')) : '',
        e.priced === false ? h('p', {class: 'muted'}, 'No price is configured for this model, so the cost is unknown.') : '');
    form.estimate.hidden = false;
    form.start.hidden = false;
}

/** Any edit hides the estimate and Start job: a job starts only from the request just estimated. */
function staleEstimate(form) {
    form.estimate.hidden = true;
    form.start.hidden = true;
}

async function estimateJob(form, event) {
    event.preventDefault();
    form.errorSlot.replaceChildren();
    staleEstimate(form);
    try {
        showEstimate(form, await api.post('/api/jobs/estimate', request(form)));
    } catch (e) {
        showError(form.errorSlot, e);
    }
}

async function startJob(form) {
    form.start.disabled = true;
    try {
        const job = await api.post('/api/jobs', request(form));
        staleEstimate(form);
        location.hash = '#jobs/' + job.id;
    } catch (e) {
        showError(form.errorSlot, e);
    } finally {
        form.start.disabled = false;
    }
}

async function loadDocuments({documents}, signal) {
    try {
        const page = await api.get('/api/documents?size=100', signal);
        // Only documents that are read can go into a job; the others show how far they are.
        documents.replaceChildren(...(page.content.length ? page.content.map(doc => h('label', {},
            h('input', {type: 'checkbox', name: 'document', value: doc.id, checked: doc.status === 'READY' && isSelected(doc.id),
                disabled: doc.status !== 'READY', onchange: e => select(doc.id, e.target.checked)}),
            ' ', doc.title || doc.name, h('span', {class: 'muted'}, doc.status === 'READY' ? ` · ${fmt(doc.chunkCount)} chunks`
                : ` · ${doc.status.toLowerCase()}`)))
            : [h('p', {class: 'muted'}, 'No documents yet: upload one under ', h('a', {href: '#documents'}, 'Documents'), '.')]));
    } catch (e) {
        if (!isAbort(e)) showError(documents, e);
    }
}
