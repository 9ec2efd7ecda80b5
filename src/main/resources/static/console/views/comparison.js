// #trainings/compare/<id>: base models evaluated on one exam, closed book and with the source text in the prompt,
// best closed-book recall first; refreshed every 5 s until every evaluation has ended.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt} from '../format.js';
import {fmtShare, METRICS} from '../recall.js';
import {settings} from '../settings.js';
import {isAbort, poll} from '../wait.js';
import {backLink, badge, errorBox, table} from '../widgets.js';

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
        table({id: 'comparison-table'}, [
            {title: 'Base model', cell: run => [h('a', {href: '#trainings/' + run.runId}, run.baseModel),
                run.error ? h('div', {class: 'muted small'}, run.error) : '']},
            {title: 'Status', cell: run => badge(run.status)},
            [['before', ' closed book'], ['inContext', ' in context']].map(([phase, where]) => METRICS.map(([metric, label]) =>
                ({title: label + where, num: true, attrs: () => ({dataset: {phase, metric}}), cell: run => fmtShare(run[phase]?.[metric])}))),
        ], {row: run => ({dataset: {model: run.baseModel}})}).show(runs));
}

function back() {
    return backLink('#trainings', 'Training runs');
}
