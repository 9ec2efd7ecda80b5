// #trainings/side-by-side/<id>,<id>,…: runs ticked in the list, as one chart (recall before / in context / after on
// one metric, after by direction, retention before → after) and the same figures as a table beneath it.

import {api} from '../api.js';
import {recallBars} from '../chart.js';
import {h} from '../dom.js';
import {fmtShare, PHASES} from '../recall.js';
import {isAbort} from '../wait.js';
import {backLink, badge, errorBox} from '../widgets.js';

/** The metric the chart shows: the worker's default when it reported it, else the older "contained". */
const metricOf = runs => runs.some(run => run.recall?.after?.keyFacts != null || run.recall?.before?.keyFacts != null)
    ? 'keyFacts' : 'contained';

export async function mount(element, signal, {ids}) {
    const root = h('div', {id: 'side-by-side'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    try {
        const runs = await Promise.all(ids.split(',').slice(0, 12).map(id => api.get(`/api/trainings/${id}`, signal)));
        const metric = metricOf(runs);
        root.replaceChildren(back(), h('h2', {}, 'Runs side by side'),
            h('p', {class: 'muted'}, `Share of exam questions answered right (${metric}), per run; retention: the general-knowledge `
                + 'questions answered before and after training.'),
            recallBars(runs, metric), table(runs, metric));
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
    }
}

function table(runs, metric) {
    return h('table', {id: 'side-by-side-table', class: 'data'},
        h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Status'), PHASES.map(([, label]) => h('th', {class: 'num'}, label)),
            h('th', {class: 'num'}, 'Recovery'), h('th', {class: 'num'}, 'Retention'))),
        h('tbody', {}, runs.map(run => h('tr', {dataset: {id: run.id}},
            h('td', {}, h('a', {href: '#trainings/' + run.id}, run.baseModel), ` round ${run.round}`),
            h('td', {}, badge(run.status)),
            PHASES.map(([phase]) => h('td', {class: 'num', dataset: {phase}}, fmtShare(run.recall?.[phase]?.[metric]))),
            h('td', {class: 'num'}, run.recall?.recoveryRatio == null ? '—' : run.recall.recoveryRatio.toFixed(2)),
            h('td', {class: 'num', dataset: {phase: 'retention'}}, run.retention?.drop == null ? '—'
                : `${fmtShare(run.retention.before)} → ${fmtShare(run.retention.after)}`)))));
}

function back() {
    return backLink('#trainings', 'Training runs');
}
