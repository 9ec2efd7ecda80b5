// #datasets/<id>: a dataset's jobs, its pair counts, and the pairs written by hand, page by page.

import {api, download} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtTime, short} from '../format.js';
import {isAbort} from '../wait.js';
import {backLink, errorBox, facts, pager, table} from '../widgets.js';

export async function mount(element, signal, {id}) {
    const root = h('div', {id: 'dataset-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    const pairsTable = table({id: 'dataset-pairs'}, [
        {title: '#', num: true, cell: p => p.ordinal}, {title: 'Question', cell: p => p.question},
        {title: 'Answer', cell: p => p.answer}, {title: 'Fact', num: true, cell: p => p.factId ?? '—'},
        {title: 'Direction', cell: p => p.direction || '—'}, {title: 'Split', cell: p => p.split}],
    {empty: 'No hand-written pairs: this dataset is its jobs’ generated pairs.'});
    const pagerEl = h('div', {class: 'pager'});
    try {
        const dataset = await api.get(`/api/datasets/${id}`, signal);
        const count = (counts, split) => fmt((counts || {})[split] || 0);
        root.replaceChildren(back(), h('h2', {}, dataset.name),
            facts([['Jobs', dataset.jobIds.length ? dataset.jobIds.map(job => h('a', {href: '#jobs/' + job}, h('code', {}, short(job)), ' ')) : 'none'],
                ['Generated pairs', `${count(dataset.pairs, 'train')} train · ${count(dataset.pairs, 'test')} test`, 'generated'],
                ['Hand-written pairs', `${count(dataset.handWritten, 'train')} train · ${count(dataset.handWritten, 'test')} test`, 'hand-written'],
                ['Created', fmtTime(dataset.createdAt)]]),
            h('p', {}, 'Train on it from the ', h('a', {href: '#trainings'}, 'Trainings'), ' tab (alone, or mixed with its jobs). ',
                h('button', {type: 'button', class: 'small', onclick: () => download(`/api/datasets/${id}/export?flat=true&format=csv`,
                    'dataset-all-flat.csv').catch(e => root.append(errorBox(e)))}, 'Download it flat (CSV)')),
            h('h3', {}, 'Written by hand'),
            pairsTable.element,
            pagerEl);
        await load(0);
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
    }

    async function load(page) {
        const pairs = await api.get(`/api/datasets/${id}/pairs?page=${page}&size=50`, signal);
        pairsTable.show(pairs.content);
        pager(pagerEl, pairs, n => load(n).catch(e => isAbort(e) || root.append(errorBox(e))));
    }
}

function back() {
    return backLink('#datasets', 'Datasets');
}
