// #exams: the exams runs are scored on: upload one (CSV or JSONL), list them, delete one no run uses.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtTime, short} from '../format.js';
import {isAbort} from '../wait.js';
import {pager, rowsOrEmpty, showError} from '../widgets.js';
import {uploadExam} from './exam-upload.js';

let page = 0;

export function mount(element, signal) {
    const errorSlot = h('div', {id: 'exams-error'});
    const tbody = h('tbody');
    const pagerEl = h('div', {class: 'pager'});
    element.append(h('div', {id: 'exams-list'}, uploadExam(() => load()),
        h('div', {class: 'section-head'}, h('h2', {}, 'Exams')), errorSlot,
        h('table', {id: 'exams-table', class: 'data'},
            h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Made from'), h('th', {class: 'num'}, 'Questions'),
                h('th', {}, 'Created'), h('th', {}))),
            tbody),
        pagerEl));
    load();

    async function load() {
        try {
            const result = await api.get(`/api/exams?page=${page}&size=20`, signal);
            errorSlot.replaceChildren();
            tbody.replaceChildren(...rowsOrEmpty(result.content.map(row), 5,
                'No exams yet: upload one above, or make one from a finished job’s test split on its page.'));
            pager(pagerEl, result, n => {
                page = n;
                load();
            });
        } catch (e) {
            if (!isAbort(e)) showError(errorSlot, e);
        }
    }

    function row(exam) {
        const remove = async () => {
            try {
                await api.delete(`/api/exams/${exam.id}`);
                load();
            } catch (e) {
                showError(errorSlot, e);
            }
        };
        return h('tr', {dataset: {id: exam.id}},
            h('td', {}, h('a', {href: '#exams/' + exam.id}, exam.name)),
            h('td', {}, exam.source === 'test-split'
                ? ['test split of ', ...exam.jobIds.map(job => h('a', {href: '#jobs/' + job}, h('code', {}, short(job))))]
                : exam.source.toUpperCase() + ' upload'),
            h('td', {class: 'num'}, fmt(exam.questionCount)),
            h('td', {}, fmtTime(exam.createdAt)),
            h('td', {}, h('button', {type: 'button', class: 'danger small', onclick: remove}, 'Delete')));
    }
}
