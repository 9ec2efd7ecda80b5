// #exams: the exams runs are scored on: upload one (CSV or JSONL), list them, delete one no run uses.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtTime, short} from '../format.js';
import {isAbort} from '../wait.js';
import {pager, showError, table} from '../widgets.js';
import {uploadExam} from './exam-upload.js';

let page = 0;

export function mount(element, signal) {
    const errorSlot = h('div', {id: 'exams-error'});
    const examsTable = table({id: 'exams-table'}, [
        {title: 'Name', cell: exam => h('a', {href: '#exams/' + exam.id}, exam.name)},
        {title: 'Made from', cell: exam => exam.source === 'test-split'
            ? ['test split of ', ...exam.jobIds.map(job => h('a', {href: '#jobs/' + job}, h('code', {}, short(job))))]
            : exam.source.toUpperCase() + ' upload'},
        {title: 'Questions', num: true, cell: exam => fmt(exam.questionCount)},
        {title: 'Created', cell: exam => fmtTime(exam.createdAt)},
        {title: '', cell: exam => h('button', {type: 'button', class: 'danger small', onclick: () => remove(exam)}, 'Delete')},
    ], {row: exam => ({dataset: {id: exam.id}}),
        empty: 'No exams yet: upload one above, or make one from a finished job’s test split on its page.'});
    const pagerEl = h('div', {class: 'pager'});
    element.append(h('div', {id: 'exams-list'}, uploadExam(() => load()),
        h('div', {class: 'section-head'}, h('h2', {}, 'Exams')), errorSlot, examsTable.element, pagerEl));
    load();

    async function load() {
        try {
            const result = await api.get(`/api/exams?page=${page}&size=20`, signal);
            errorSlot.replaceChildren();
            examsTable.show(result.content);
            pager(pagerEl, result, n => {
                page = n;
                load();
            });
        } catch (e) {
            if (!isAbort(e)) showError(errorSlot, e);
        }
    }

    async function remove(exam) {
        try {
            await api.delete(`/api/exams/${exam.id}`);
            load();
        } catch (e) {
            showError(errorSlot, e);
        }
    }
}
