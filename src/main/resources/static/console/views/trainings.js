// #trainings: the run form (new run, comparison of base models) and the training runs with their status, step, latest
// loss and recall after training; runs ticked here are shown side by side as a chart.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmtNumber, fmtStep, fmtTime, short} from '../format.js';
import {show} from '../router.js';
import {isAbort} from '../wait.js';
import {fmtShare} from '../recall.js';
import {badge, pager, rowsOrEmpty, showError} from '../widgets.js';
import {trainingForm} from './training-form.js';

let page = 0;
const ticked = new Set();

const errorSlot = h('div', {id: 'trainings-error'});
const tbody = h('tbody');
const pagerEl = h('div', {id: 'trainings-pager', class: 'pager'});
const root = h('div', {id: 'trainings-list'},
    h('div', {class: 'section-head'}, h('h2', {}, 'Training runs'),
        h('button', {id: 'trainings-side-by-side', type: 'button', onclick: () => {
            location.hash = '#trainings/side-by-side/' + [...ticked].join(',');
        }}, 'Side by side'),
        h('button', {id: 'trainings-refresh', type: 'button', onclick: () => show()}, 'Refresh')),
    errorSlot,
    h('table', {id: 'trainings-table', class: 'data'},
        h('thead', {}, h('tr', {}, h('th', {title: 'tick two or more to see them side by side'}, ''), h('th', {}, 'Run'), h('th', {}, 'Status'), h('th', {}, 'Base model'), h('th', {}, 'Job'),
            h('th', {class: 'num'}, 'Step'), h('th', {class: 'num'}, 'Loss'), h('th', {class: 'num', title: 'contained, before → after'}, 'Recall'),
            h('th', {}, 'Created'))),
        tbody),
    pagerEl);

export function mount(element, signal) {
    element.append(trainingForm(signal), root);
    load(signal);
}

async function load(signal) {
    try {
        const result = await api.get(`/api/trainings?page=${page}&size=20`, signal);
        errorSlot.replaceChildren();
        tbody.replaceChildren(...rowsOrEmpty(result.content.map(row), 9,
            'No training runs yet: start one above once a job has finished.'));
        pager(pagerEl, result, n => {
            page = n;
            load(signal);
        });
    } catch (e) {
        if (!isAbort(e)) showError(errorSlot, e);
    }
}

function row(run) {
    return h('tr', {dataset: {id: run.id}},
        h('td', {}, h('input', {type: 'checkbox', 'aria-label': 'side by side', checked: ticked.has(run.id),
            onchange: e => e.target.checked ? ticked.add(run.id) : ticked.delete(run.id)})),
        h('td', {}, h('a', {href: '#trainings/' + run.id}, h('code', {}, short(run.id)))),
        h('td', {}, badge(run.status), run.round > 1 ? ` round ${run.round}` : ''),
        h('td', {}, run.baseModel),
        h('td', {}, run.jobId ? h('a', {href: '#jobs/' + run.jobId}, h('code', {}, short(run.jobId)))
            : run.datasetId ? 'dataset' : run.jobIds.length ? `${run.jobIds.length} jobs` : '—'),
        h('td', {class: 'num'}, fmtStep(run.progress)),
        h('td', {class: 'num'}, fmtNumber(run.progress?.loss)),
        h('td', {class: 'num'}, run.recall ? fmtShare(run.recall.before?.contained)
            + (run.recall.after ? ' → ' + fmtShare(run.recall.after.contained) : '') : '—'),
        h('td', {}, fmtTime(run.createdAt)));
}
