// #jobs: the new-job form and the list of jobs, refreshed every 3 s while any of them runs.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtCost, fmtTime, short} from '../format.js';
import {show} from '../router.js';
import {selectedCount} from '../selection.js';
import {settings} from '../settings.js';
import {isAbort, poll} from '../wait.js';
import {badge, pager, progressBar, rowsOrEmpty, showError} from '../widgets.js';
import {newJob, showForm} from './jobs-form.js';

let page = 0;

const errorSlot = h('div', {id: 'jobs-error'});
const tbody = h('tbody');
const pagerEl = h('div', {id: 'jobs-pager', class: 'pager'});
const root = h('div', {id: 'jobs-list'},
    newJob,
    h('div', {class: 'section-head'}, h('h2', {}, 'Jobs'), h('button', {id: 'jobs-refresh', type: 'button', onclick: () => show()}, 'Refresh')),
    errorSlot,
    h('table', {id: 'jobs-table', class: 'data'},
        h('thead', {}, h('tr', {}, h('th', {}, 'Job'), h('th', {}, 'Status'), h('th', {}, 'Model'),
            h('th', {class: 'progress-col'}, 'Progress'), h('th', {class: 'num'}, 'Pairs'), h('th', {class: 'num'}, 'Cost'),
            h('th', {}, 'Created'))),
        tbody),
    pagerEl);

export function mount(element, signal) {
    // The form opens by itself when documents were picked for it, or when there is no job to look at yet.
    if (selectedCount()) newJob.open = true;
    element.append(root);
    showForm(signal);
    poll(3000, signal, () => load(signal));
}

/** Shows the page of jobs; answers whether any of them still runs. */
async function load(signal) {
    try {
        const [{jobs}, result] = await Promise.all([settings(), api.get(`/api/jobs?page=${page}&size=20`, signal)]);
        errorSlot.replaceChildren();
        tbody.replaceChildren(...rowsOrEmpty(result.content.map(row), 7, 'No jobs yet.'));
        if (!result.content.length && page === 0) newJob.open = true;
        pager(pagerEl, result, n => {
            page = n;
            show();
        });
        return result.content.some(job => !jobs.terminalStatuses.includes(job.status));
    } catch (e) {
        if (!isAbort(e)) showError(errorSlot, e);
        return false;
    }
}

function row(job) {
    return h('tr', {dataset: {id: job.id}},
        h('td', {}, h('a', {href: '#jobs/' + job.id}, h('code', {}, short(job.id))),
            h('div', {class: 'muted small clip'}, job.context)),
        h('td', {}, badge(job.status)),
        h('td', {}, `${job.provider} · ${job.model}`),
        h('td', {}, progressBar(job.tasks, true)),
        h('td', {class: 'num'}, fmt(job.pairsAccepted)),
        h('td', {class: 'num'}, fmtCost(job.costUsd)),
        h('td', {}, fmtTime(job.createdAt)));
}
