// #datasets: datasets are unions of jobs and of pairs written by hand. Upload a pairs file (CSV, JSONL or Parquet:
// question, answer, optionally factId, direction, split), alone or with jobs' generated pairs; list them.

import {api, postForm} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtTime, short} from '../format.js';
import {isAbort} from '../wait.js';
import {pager, showError, table} from '../widgets.js';

let page = 0;

export function mount(element, signal) {
    const errorSlot = h('div', {id: 'datasets-error'});
    const list = table({id: 'datasets-table'}, COLUMNS,
        {row: dataset => ({dataset: {id: dataset.id}}), empty: 'No datasets yet: upload a file of pairs above.'});
    const pagerEl = h('div', {class: 'pager'});
    element.append(h('div', {id: 'datasets-list'}, uploadForm(signal, () => load()),
        h('div', {class: 'section-head'}, h('h2', {}, 'Datasets')), errorSlot,
        list.element,
        pagerEl));
    load();

    async function load() {
        try {
            const result = await api.get(`/api/datasets?page=${page}&size=20`, signal);
            errorSlot.replaceChildren();
            list.show(result.content);
            pager(pagerEl, result, n => {
                page = n;
                load();
            });
        } catch (e) {
            if (!isAbort(e)) showError(errorSlot, e);
        }
    }
}

const total = counts => Object.values(counts || {}).reduce((a, b) => a + b, 0);

const COLUMNS = [
    {title: 'Name', cell: d => h('a', {href: '#datasets/' + d.id}, d.name)},
    {title: 'Jobs', cell: d => d.jobIds.length ? d.jobIds.map(job => h('a', {href: '#jobs/' + job}, h('code', {}, short(job)))) : '—'},
    {title: 'Generated pairs', num: true, cell: d => fmt(total(d.pairs))},
    {title: 'Hand-written pairs', num: true, cell: d => fmt(total(d.handWritten))},
    {title: 'Created', cell: d => fmtTime(d.createdAt)}];

/** The upload form: the file, a name, and the finished jobs whose generated pairs join it (none: the file alone). */
function uploadForm(signal, uploaded) {
    const slot = h('div', {id: 'dataset-upload-result'});
    const jobs = h('select', {name: 'jobIds', multiple: true, size: 4, 'aria-label': 'Jobs to combine with'});
    api.get('/api/jobs?size=100', signal).then(page => jobs.replaceChildren(...page.content.map(job =>
        h('option', {value: job.id}, `job ${short(job.id)} · ${job.status.toLowerCase()} · ${fmt(job.pairsAccepted)} pairs`))))
        .catch(e => isAbort(e) || showError(slot, e));
    const form = h('form', {id: 'dataset-upload', class: 'card', onsubmit: async e => {
        e.preventDefault();
        slot.replaceChildren();
        const body = new FormData();
        body.append('file', form.elements.file.files[0]);
        if (form.elements.name.value.trim()) body.append('name', form.elements.name.value.trim());
        for (const option of jobs.selectedOptions) body.append('jobIds', option.value);
        try {
            const answer = await postForm('/api/datasets', body);
            form.reset();
            slot.replaceChildren(h('p', {class: 'notice'}, `Dataset “${answer.name}” stored with ${fmt(total(answer.handWritten))} `,
                'hand-written pairs. ', h('a', {href: '#datasets/' + answer.id}, 'See its rows')));
            uploaded(answer);
        } catch (error) {
            showError(slot, error);
        }
    }},
    h('h2', {}, 'Upload pairs written by hand'),
    h('p', {class: 'muted'}, 'CSV with a header row, JSONL with one object per line, or Parquet: question, answer, and optionally ',
        'factId, direction (forward or reverse) and split (train, the default, or test). Train on the file alone, or pick jobs ',
        'to mix their generated pairs in; a run can repeat the hand-written rows so a small careful set is not drowned.'),
    h('div', {class: 'row'},
        h('input', {type: 'file', name: 'file', accept: '.csv,.jsonl,.json,.parquet,.txt', required: true}),
        h('label', {}, 'Name ', h('input', {name: 'name', placeholder: 'the file’s name', size: 24})),
        h('label', {}, 'Mix with jobs ', jobs),
        h('button', {type: 'submit', class: 'primary'}, 'Upload')),
    slot);
    return form;
}
