// #trainings/compare/<id>: base models evaluated on one exam, closed book and with the source text in the prompt,
// best closed-book recall first; refreshed every 5 s until every evaluation has ended.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt} from '../format.js';
import {fmtShare, METRICS} from '../recall.js';
import {settings} from '../settings.js';
import {isAbort, poll} from '../wait.js';
import {backLink, badge, errorBox} from '../widgets.js';

export function mount(element, signal, {id}) {
    const root = h('div', {id: 'comparison'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    poll(5000, signal, async () => {
        try {
            const [{trainings}, comparison] = await Promise.all([settings(), api.get(`/api/trainings/comparisons/${id}`, signal)]);
            render(root, comparison);
            return comparison.runs.some(run => !trainings.terminalStatuses.includes(run.status));
        } catch (e) {
            if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
            return false;
        }
    });
}

function render(root, comparison) {
    const runs = [...comparison.runs].sort((a, b) => (b.before?.contained ?? -1) - (a.before?.contained ?? -1));
    root.replaceChildren(back(),
        h('h2', {}, 'Base models compared'),
        comparison.exam ? h('p', {class: 'muted'}, 'Exam ', h('a', {href: '#exams/' + comparison.exam.id}, comparison.exam.name),
            ` · ${fmt(comparison.exam.questions)} questions. Closed book: what the model knows already; in context: with the `
            + 'source text in the prompt, the ceiling training chases.') : '',
        h('table', {id: 'comparison-table', class: 'data'},
            h('thead', {}, h('tr', {}, h('th', {}, 'Base model'), h('th', {}, 'Status'),
                METRICS.map(([, label]) => h('th', {class: 'num'}, label + ' closed book')),
                METRICS.map(([, label]) => h('th', {class: 'num'}, label + ' in context')))),
            h('tbody', {}, runs.map(run => h('tr', {dataset: {model: run.baseModel}},
                h('td', {}, h('a', {href: '#trainings/' + run.runId}, run.baseModel), run.error ? h('div', {class: 'muted small'}, run.error) : ''),
                h('td', {}, badge(run.status)),
                METRICS.map(([metric]) => h('td', {class: 'num', dataset: {phase: 'before', metric}}, fmtShare(run.before?.[metric]))),
                METRICS.map(([metric]) => h('td', {class: 'num', dataset: {phase: 'inContext', metric}}, fmtShare(run.inContext?.[metric]))))))));
}

function back() {
    return backLink('#trainings', 'Training runs');
}
