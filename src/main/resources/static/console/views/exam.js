// #exams/<id>: an exam's questions with their reference answers, facts, directions and where their context came from
// (a question without one takes the run's documents, whole or retrieved, when a run is scored on it).

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtTime} from '../format.js';
import {isAbort} from '../wait.js';
import {backLink, errorBox, facts} from '../widgets.js';

export async function mount(element, signal, {id}) {
    const root = h('div', {id: 'exam-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    try {
        const exam = await api.get(`/api/exams/${id}`, signal);
        root.replaceChildren(back(), h('h2', {}, exam.name),
            facts([['Questions', fmt(exam.questionCount), 'questions'], ['Made from', exam.source], ['Created', fmtTime(exam.createdAt)]]),
            h('table', {id: 'exam-questions', class: 'data'},
                h('thead', {}, h('tr', {}, h('th', {class: 'num'}, '#'), h('th', {}, 'Question'), h('th', {}, 'Answer'),
                    h('th', {class: 'num'}, 'Fact'), h('th', {}, 'Direction'), h('th', {}, 'Context'))),
                h('tbody', {}, exam.questions.map(q => h('tr', {},
                    h('td', {class: 'num'}, q.ordinal), h('td', {}, q.question), h('td', {}, q.answer),
                    h('td', {class: 'num'}, q.factId ?? '—'), h('td', {}, q.direction || '—'),
                    h('td', {}, q.contextSource ?? 'from the run'))))));
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
    }
}

function back() {
    return backLink('#exams', 'Exams');
}
