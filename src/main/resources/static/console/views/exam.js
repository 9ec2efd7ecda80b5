// #exams/<id>: an exam's questions with their reference answers, facts, directions and where their context came from
// (a question without one takes the run's documents, whole or retrieved, when a run is scored on it).

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtTime} from '../format.js';
import {isAbort} from '../wait.js';
import {backLink, errorBox, facts, table} from '../widgets.js';

export async function mount(element, signal, {id}) {
    const root = h('div', {id: 'exam-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    try {
        const exam = await api.get(`/api/exams/${id}`, signal);
        root.replaceChildren(back(), h('h2', {}, exam.name),
            facts([['Questions', fmt(exam.questionCount), 'questions'], ['Made from', exam.source], ['Created', fmtTime(exam.createdAt)]]),
            table({id: 'exam-questions'}, [
                {title: '#', num: true, cell: q => q.ordinal},
                {title: 'Question', cell: q => q.question},
                {title: 'Answer', cell: q => q.answer},
                {title: 'Fact', num: true, cell: q => q.factId ?? '—'},
                {title: 'Direction', cell: q => q.direction || '—'},
                {title: 'Context', cell: q => q.contextSource ?? 'from the run'},
            ]).show(exam.questions));
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
    }
}

function back() {
    return backLink('#exams', 'Exams');
}
