// #trainings: the run form (new run, comparison of base models) and the training runs with their status, step, latest
// loss and recall after training; runs ticked here are shown side by side as a chart.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmtNumber, fmtStep, fmtTime, short} from '../format.js';
import {show} from '../router.js';
import {isAbort} from '../wait.js';
import {fmtShare} from '../recall.js';
import {badge, pager, showError, table} from '../widgets.js';
import {trainingForm} from './training-form.js';

let page = 0;
const ticked = new Set();

const errorSlot = h('div', {id: 'trainings-error'});
const runsTable = table({id: 'trainings-table'}, [
    {title: '', head: {title: 'tick two or more to see them side by side'}, cell: run => h('input', {type: 'checkbox',
        'aria-label': 'side by side', checked: ticked.has(run.id),
        onchange: e => e.target.checked ? ticked.add(run.id) : ticked.delete(run.id)})},
    {title: 'Run', cell: run => h('a', {href: '#trainings/' + run.id}, h('code', {}, short(run.id)))},
    {title: 'Status', cell: run => [badge(run.status), run.round > 1 ? ` round ${run.round}` : '']},
    {title: 'Base model', cell: run => run.baseModel},
    {title: 'Job', cell: run => run.jobId ? h('a', {href: '#jobs/' + run.jobId}, h('code', {}, short(run.jobId)))
        : run.datasetId ? 'dataset' : run.jobIds.length ? `${run.jobIds.length} jobs` : '—'},
    {title: 'Step', num: true, cell: run => fmtStep(run.progress)},
    {title: 'Loss', num: true, cell: run => fmtNumber(run.progress?.loss)},
    {title: 'Recall', num: true, head: {title: 'contained, before → after'}, cell: run => run.recall
        ? fmtShare(run.recall.before?.contained) + (run.recall.after ? ' → ' + fmtShare(run.recall.after.contained) : '') : '—'},
    {title: 'Created', cell: run => fmtTime(run.createdAt)},
], {row: run => ({dataset: {id: run.id}}), empty: 'No training runs yet: start one above once a job has finished.'});
const pagerEl = h('div', {id: 'trainings-pager', class: 'pager'});
const root = h('div', {id: 'trainings-list'},
    h('div', {class: 'section-head'}, h('h2', {}, 'Training runs'),
        h('button', {id: 'trainings-side-by-side', type: 'button', onclick: () => {
            location.hash = '#trainings/side-by-side/' + [...ticked].join(',');
        }}, 'Side by side'),
        h('button', {id: 'trainings-refresh', type: 'button', onclick: () => show()}, 'Refresh')),
    errorSlot,
    runsTable.element,
    pagerEl);

export function mount(element, signal) {
    element.append(trainingForm(signal), root);
    load(signal);
}

async function load(signal) {
    try {
        const result = await api.get(`/api/trainings?page=${page}&size=20`, signal);
        errorSlot.replaceChildren();
        runsTable.show(result.content);
        pager(pagerEl, result, n => {
            page = n;
            load(signal);
        });
    } catch (e) {
        if (!isAbort(e)) showError(errorSlot, e);
    }
}
