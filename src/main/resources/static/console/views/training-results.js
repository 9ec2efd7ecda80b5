// What a finished run leaves: its adapter (and merged model) to download or push to a Hub model repo, and every exam
// answer beside the reference, in each phase, with recall by fact.

import {api, download} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtBytes, fmtNumber, short} from '../format.js';
import {fmtShare, PHASES} from '../recall.js';
import {isAbort} from '../wait.js';
import {errorBox, showError, table} from '../widgets.js';
import {hubTokenField, startPush} from './job-exports.js';

export function deliverables(run, signal) {
    if (!run.artifacts?.length) return '';
    const slot = h('div');
    const downloads = run.artifacts.map(a => h('button', {type: 'button', dataset: {kind: a.kind}, onclick: async () => {
        slot.replaceChildren();
        try {
            slot.replaceChildren(h('p', {class: 'notice'}, 'Saved ' + await download(a.url, `qaforge-${short(run.id)}-${a.kind}.zip`)));
        } catch (e) {
            showError(slot, e);
        }
    }}, `Download ${a.kind === 'merged' ? 'merged model' : 'adapter'} (${fmtBytes(a.bytes)})`));
    return h('div', {class: 'columns'},
        h('div', {class: 'card', id: 'downloads'}, h('h3', {}, 'Adapter'),
            h('p', {class: 'muted'}, 'A zip: unzip it and load it with PeftModel.from_pretrained(base, dir). sha256 ',
                h('code', {}, run.artifacts[0].sha256.slice(0, 16) + '…')),
            h('div', {class: 'row'}, downloads), slot),
        hubPush(run, signal));
}

function hubPush(run, signal) {
    const slot = h('div');
    const merged = run.artifacts.some(a => a.kind === 'merged');
    const form = h('form', {class: 'card', id: 'model-push-form', onsubmit: e => {
        e.preventDefault();
        const fields = form.elements;
        startPush(`/api/trainings/${run.id}/hub-push`, {repoId: fields.repoId.value.trim(), private: fields.private.checked,
            merged: merged && fields.merged.checked}, fields, slot, signal);
    }},
    h('h3', {}, 'Push to the Hugging Face Hub'),
    h('div', {class: 'row'},
        h('label', {}, 'Model repo ', h('input', {name: 'repoId', placeholder: 'you/touch-rugby-lora', size: 24})),
        h('label', {}, h('input', {type: 'checkbox', name: 'private', checked: true}), ' private'),
        merged ? h('label', {}, h('input', {type: 'checkbox', name: 'merged'}), ' merged model') : ''),
    h('div', {class: 'row'}, hubTokenField(), h('button', {type: 'submit'}, 'Push')),
    slot);
    return form;
}

export function results(run, signal) {
    const element = h('div', {id: 'results'}, h('h3', {}, 'Answers'), h('p', {class: 'muted'}, 'Loading…'));
    api.get(`/api/trainings/${run.id}/results`, signal).then(view => {
        if (!view.questions.length) {
            element.replaceChildren();
            return;
        }
        const phases = PHASES.filter(([phase]) => view.questions.some(q => q.phases[phase]));
        element.replaceChildren(h('h3', {}, 'Answers'),
            view.unscored ? h('p', {class: 'muted'}, `${fmt(view.unscored)} questions of the exam were not scored (past evalLimit).`) : '',
            table({id: 'results-table'}, [
                {title: 'Question', cell: q => [q.question, q.direction
                    ? h('div', {class: 'muted small'}, q.direction + (q.factId ? ' · fact ' + q.factId : '')) : '']},
                {title: 'Reference', cell: q => q.reference},
                phases.map(([phase, label]) => ({title: label, attrs: q => answerAttrs(q.phases[phase], phase),
                    cell: q => answerText(q.phases[phase])})),
            ], {row: q => ({dataset: {question: q.questionId}})}).show(view.questions),
            ...(view.byFact.length ? byFact(view.byFact, phases) : []));
    }).catch(e => {
        if (!isAbort(e)) element.replaceChildren(errorBox(e));
    });
    return element;
}

const verdictOf = answer => answer.exactMatch ? 'exact' : answer.contained ? 'contained' : 'missed';

function answerAttrs(answer, phase) {
    return answer ? {class: 'answer ' + verdictOf(answer), dataset: {phase}} : {class: 'muted'};
}

function answerText(answer) {
    if (!answer) return '—';
    return [answer.answer, h('div', {class: 'muted small'}, `${verdictOf(answer)} · F1 ${fmtNumber(answer.tokenF1)}`
        + (answer.judge == null ? '' : answer.judge ? ' · judged right' : ' · judged wrong'))];
}

function byFact(facts, phases) {
    return [h('h3', {}, 'Recall by fact (contained)'),
        table({id: 'facts-table', class: 'narrow'}, [
            {title: 'Fact', th: true, cell: f => String(f.factId)},
            {title: 'Questions', num: true, cell: f => fmt(Object.values(f.phases)[0]?.questions)},
            phases.map(([phase, label]) => ({title: label, num: true, cell: f => fmtShare(f.phases[phase]?.contained)})),
        ]).show(facts)];
}
