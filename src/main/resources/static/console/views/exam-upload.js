// The exam upload form: a CSV or JSONL file (question, answer, optional factId, direction, context) and a name.

import {postForm} from '../api.js';
import {h} from '../dom.js';
import {fmt} from '../format.js';
import {showError} from '../widgets.js';

export function uploadExam(uploaded) {
    const slot = h('div', {id: 'exam-upload-result'});
    const form = h('form', {id: 'exam-upload', class: 'card', onsubmit: async e => {
        e.preventDefault();
        slot.replaceChildren();
        const body = new FormData();
        body.append('file', form.elements.file.files[0]);
        if (form.elements.name.value.trim()) body.append('name', form.elements.name.value.trim());
        try {
            const answer = await postForm('/api/exams', body);
            form.reset();
            slot.replaceChildren(h('p', {class: 'notice'}, `Exam “${answer.name}” stored with ${fmt(answer.questionCount)} questions.`));
            uploaded(answer);
        } catch (error) {
            showError(slot, error);
        }
    }},
    h('h2', {}, 'Upload an exam'),
    h('p', {class: 'muted'}, 'CSV with a header row, or JSONL with one object per line: question, answer, and optionally factId, ',
        'direction (forward or reverse) and context (the text the in-context phase puts in the prompt).'),
    h('div', {class: 'row'},
        h('input', {type: 'file', name: 'file', accept: '.csv,.jsonl,.json,.txt', required: true}),
        h('label', {}, 'Name ', h('input', {name: 'name', placeholder: 'the file’s name', size: 24})),
        h('button', {type: 'submit', class: 'primary'}, 'Upload')),
    slot);
    return form;
}
