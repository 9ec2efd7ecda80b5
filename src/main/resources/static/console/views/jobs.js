// #jobs: the new-job form and the list of jobs, refreshed every 3 s while any of them runs.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtCost, fmtTime, short} from '../format.js';
import {show} from '../router.js';
import {selectedCount} from '../selection.js';
import {settings} from '../settings.js';
import {isAbort, poll} from '../wait.js';
import {badge, pager, progressBar, showError, table} from '../widgets.js';
import {newJob, showForm} from './jobs-form.js';

let page = 0;

const errorSlot = h('div', {id: 'jobs-error'});
const jobsTable = table({id: 'jobs-table'}, [
    {title: 'Job', cell: job => [h('a', {href: '#jobs/' + job.id}, h('code', {}, short(job.id))),
        h('div', {class: 'muted small clip'}, job.context)]},
    {title: 'Status', cell: job => badge(job.status)},
    {title: 'Model', cell: job => `${job.provider} · ${job.model}`},
    {title: 'Progress', head: {class: 'progress-col'}, cell: job => progressBar(job.tasks, true)},
    {title: 'Pairs', num: true, cell: job => fmt(job.pairsAccepted)},
    {title: 'Cost', num: true, cell: job => fmtCost(job.costUsd)},
    {title: 'Created', cell: job => fmtTime(job.createdAt)},
], {row: job => ({dataset: {id: job.id}}), empty: 'No jobs yet.'});
const pagerEl = h('div', {id: 'jobs-pager', class: 'pager'});
const root = h('div', {id: 'jobs-list'},
    newJob,
    h('div', {class: 'section-head'}, h('h2', {}, 'Jobs'), h('button', {id: 'jobs-refresh', type: 'button', onclick: () => show()}, 'Refresh')),
    errorSlot,
    jobsTable.element,
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
        jobsTable.show(result.content);
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
