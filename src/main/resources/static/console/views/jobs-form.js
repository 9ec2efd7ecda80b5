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
    const t = jobs.temperatures;
    const documents = h('div', {id: 'job-documents', class: 'checklist'});
    const models = h('datalist', {id: 'models'});
    const provider = h('input', {name: 'provider', value: 'openai', list: 'providers', required: true, oninput: offerModels});
    const errorSlot = h('div', {id: 'job-form-error'});
    const estimate = h('div', {id: 'estimate', hidden: true});
    const start = h('button', {id: 'start-job', type: 'button', class: 'primary', hidden: true, onclick: startJob}, 'Start job');
    const temperature = (label, name, value) => h('label', {}, label + ' ',
        h('input', {name, type: 'number', min: t.min, max: t.max, step: 0.01, value, required: true}));
    const phrasings = (label, name, value) => h('label', {}, label + ' ',
        h('input', {name, type: 'number', min: name === 'reverse' ? 0 : 1, max: jobs.maxPhrasings, value, required: true}));
    // A fact job asks per fact and direction and grades with the judge; a recipe job runs the chosen variants.
    const variants = h('fieldset', {id: 'recipe-options'}, h('legend', {}, 'Variants'), h('div', {class: 'checklist inline'},
        jobs.variants.map(variant => h('label', {}, h('input', {type: 'checkbox', name: 'variant', value: variant,
            checked: jobs.defaultVariants.includes(variant)}), ' ' + variant))));
    const factOptions = h('div', {id: 'fact-options', class: 'row'},
        phrasings('Phrasings per fact', 'phrasings', jobs.defaultCoverage.phrasings),
        phrasings('of them reverse', 'reverse', jobs.defaultCoverage.reverse));
    const judge = h('input', {type: 'checkbox', name: 'judge', checked: true});
    const strategy = h('select', {name: 'strategy', onchange: showStrategy}, jobs.strategies.map(name => h('option', {value: name},
        name === 'facts' ? 'facts: list each chunk\'s facts, cover each in both directions' : name === 'recipe'
            ? 'recipe: chunk × temperature × variant' : name)));
    // Batch mode: the provider's Batch API, at its batch price, answers within its window (24 h) rather than seconds.
    const mode = h('select', {name: 'mode'}, (jobs.modes || ['sync']).map(name => h('option', {value: name},
        name === 'batch' ? 'batch: half price, answers within 24 h' : name === 'sync' ? 'sync: answers now' : name)));
    const element = h('form', {id: 'job-form', novalidate: true, onsubmit: estimateJob, oninput: staleEstimate},
        h('fieldset', {}, h('legend', {}, 'Documents'), documents),
        h('label', {class: 'wide'}, 'Context sentence ', h('textarea', {name: 'context', rows: 2, maxlength: jobs.contextMaxLength,
            required: true, placeholder: 'These questions are about the Touch Rugby rulebook (2024 edition).'})),
        h('div', {class: 'row'},
            h('label', {}, 'Provider ', provider),
            h('label', {}, 'Model ', h('input', {name: 'model', value: 'gpt-4o-mini', list: 'models', required: true})),
            h('datalist', {id: 'providers'}, jobs.providers.map(p => h('option', {value: p.name}))),
            models),
        h('div', {class: 'row'},
            h('label', {}, 'Temperatures ', h('input', {name: 'tempCount', type: 'number', min: 1, max: t.maxCount,
                value: t.defaultCount, required: true})),
            temperature('from', 'tempMin', t.defaultMin),
            temperature('to', 'tempMax', t.defaultMax)),
        h('div', {class: 'row'},
            h('label', {}, 'Strategy ', strategy),
            h('label', {}, judge, ' LLM judge grades every pair against its chunk')),
        h('div', {class: 'row'}, h('label', {}, 'Mode ', mode)),
        factOptions, variants,
        h('div', {class: 'row'},
            h('label', {}, 'First chunks only ', h('input', {name: 'chunkLimit', type: 'number', min: 1, placeholder: 'all'})),
            h('label', {}, 'Test fraction ', h('input', {name: 'testFraction', type: 'number', min: 0, max: 1, step: 0.01,
                value: jobs.defaultTestFraction}))),
        errorSlot, estimate,
        h('div', {class: 'actions'}, h('button', {id: 'estimate-button', type: 'submit'}, 'Estimate'), start));
    offerModels();
    showStrategy();

    /** The options of the chosen strategy; the judge starts as that strategy's default (on for facts, off for recipe). */
    function showStrategy() {
        const facts = strategy.value === 'facts';
        factOptions.hidden = !facts;
        variants.hidden = facts;
        judge.checked = facts;
    }

    /** The chosen provider's models as suggestions, with their prices; batch mode where the provider takes batches. */
    function offerModels() {
        const chosen = jobs.providers.find(p => p.name === provider.value.trim());
        const batchOption = [...mode.options].find(option => option.value === 'batch');
        if (batchOption) {
            batchOption.disabled = chosen ? !chosen.batch : false;
            if (batchOption.disabled && mode.value === 'batch') mode.value = 'sync';
        }
        models.replaceChildren(...(chosen?.models || []).map(m => h('option', {value: m.name,
            label: m.inputPerMillion == null ? 'not priced'
                : `$${fmtNumber(m.inputPerMillion)} in · $${fmtNumber(m.outputPerMillion)} out per million tokens`})));
    }

    function request() {
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
        return job;
    }

    function showEstimate(answer) {
        const e = answer.estimate || answer;
        estimate.replaceChildren(
            h('h3', {}, 'Estimate'),
            facts([['Chunks', fmt(e.chunks), 'chunks'], ['Requests', fmt(e.requests), 'requests'], ['Questions', fmt(e.questions)],
                e.factCalls ? ['Facts calls', fmt(e.factCalls), 'factCalls'] : null,
                e.judgeCalls ? ['Judge calls', fmt(e.judgeCalls), 'judgeCalls'] : null,
                e.topUpCalls ? ['Top-up calls (expected)', fmt(e.topUpCalls), 'topUpCalls'] : null,
                ['Prompt tokens', fmt(e.promptTokens), 'promptTokens'],
                ['Completion tokens (expected)', fmt(e.expectedCompletionTokens), 'completionTokens'],
                ['Cost', e.priced === false ? 'not priced' : fmtCost(e.costUsd) + (mode.value === 'batch' ? ' at batch prices' : ''), 'cost']]),
            answer.temperatures ? h('p', {class: 'muted'}, 'Temperatures ', answer.temperatures.map(fmtNumber).join(', '),
                ' · variants ', (answer.variants || []).join(', ')) : '',
            e.priced === false ? h('p', {class: 'muted'}, 'No price is configured for this model, so the cost is unknown.') : '');
        estimate.hidden = false;
        start.hidden = false;
    }

    /** Any edit hides the estimate and Start job: a job starts only from the request just estimated. */
    function staleEstimate() {
        estimate.hidden = true;
        start.hidden = true;
    }

    async function estimateJob(event) {
        event.preventDefault();
        errorSlot.replaceChildren();
        staleEstimate();
        try {
            showEstimate(await api.post('/api/jobs/estimate', request()));
        } catch (e) {
            showError(errorSlot, e);
        }
    }

    async function startJob() {
        start.disabled = true;
        try {
            const job = await api.post('/api/jobs', request());
            staleEstimate();
            location.hash = '#jobs/' + job.id;
        } catch (e) {
            showError(errorSlot, e);
        } finally {
            start.disabled = false;
        }
    }

    async function loadDocuments(signal) {
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

    return {element, loadDocuments};
}
