// #trainings/side-by-side/<id>,<id>,…: runs ticked in the list, as one chart (recall before / in context / after on
// one metric, after by direction, retention before → after) and the same figures as a table beneath it.

import {api} from '../api.js';
import {recallBars} from '../chart.js';
import {h} from '../dom.js';
import {fmtShare, PHASES} from '../recall.js';
import {isAbort} from '../wait.js';
import {backLink, badge, errorBox, table} from '../widgets.js';

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
            recallBars(runs, metric), runsTable(runs, metric));
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
    }
}

function runsTable(runs, metric) {
    return table({id: 'side-by-side-table'}, [
        {title: 'Run', cell: run => [h('a', {href: '#trainings/' + run.id}, run.baseModel), ` round ${run.round}`]},
        {title: 'Status', cell: run => badge(run.status)},
        PHASES.map(([phase, label]) => ({title: label, num: true, attrs: () => ({dataset: {phase}}),
            cell: run => fmtShare(run.recall?.[phase]?.[metric])})),
        {title: 'Recovery', num: true, cell: run => run.recall?.recoveryRatio == null ? '—' : run.recall.recoveryRatio.toFixed(2)},
        {title: 'Retention', num: true, attrs: () => ({dataset: {phase: 'retention'}}), cell: run => run.retention?.drop == null
            ? '—' : `${fmtShare(run.retention.before)} → ${fmtShare(run.retention.after)}`},
    ], {row: run => ({dataset: {id: run.id}})}).show(runs);
}

function back() {
    return backLink('#trainings', 'Training runs');
}
