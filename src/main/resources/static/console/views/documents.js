// #documents: the drop zone (files uploaded one after another, each with its status line) and the documents table.
// Built once and kept, so upload lines and ticks survive a visit to another view.

import {api, uploadDocument} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtBytes, fmtPercent, fmtTime} from '../format.js';
import {isSelected, select, selectedCount} from '../selection.js';
import {isAbort} from '../wait.js';
import {errorBox, pager, rowsOrEmpty, showError} from '../widgets.js';

const ACCEPTED_FILES = '.pdf,.txt,.md,.markdown,application/pdf,text/plain,text/markdown';

let page = 0;
/** The signal of the visit in progress: a finished upload refreshes the table only while it is on screen. */
let visit = AbortSignal.abort();
/** Extraction is CPU-bound on the server: one upload at a time. */
let uploads = Promise.resolve();

const fileInput = h('input', {id: 'file-input', class: 'visually-hidden', type: 'file', multiple: true, tabindex: -1,
    accept: ACCEPTED_FILES, onchange: e => {
        uploadFiles(e.target.files);
        e.target.value = '';
    }});
const dropzone = h('div', {id: 'dropzone', class: 'dropzone', role: 'button', tabindex: 0, 'aria-label': 'Upload documents',
    ondragenter: over, ondragover: over,
    ondragleave: () => dropzone.classList.remove('over'),
    ondrop: e => {
        e.preventDefault();
        dropzone.classList.remove('over');
        uploadFiles(e.dataTransfer.files);
    },
    // The whole zone opens the file picker, by mouse or keyboard (the label inside already does so itself).
    onclick: e => e.target.closest('label, input') || fileInput.click(),
    onkeydown: e => {
        if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            fileInput.click();
        }
    }},
h('p', {}, h('strong', {}, 'Drop PDFs here'), ' (or plain text, Markdown) or ',
    h('label', {class: 'link', for: 'file-input'}, 'choose files')),
fileInput);
const uploadList = h('ul', {id: 'uploads', class: 'uploads'});
const newJob = h('button', {id: 'new-job-from-documents', type: 'button', onclick: () => { location.hash = '#jobs'; }},
    'New job from selected');
const errorSlot = h('div', {id: 'documents-error'});
const tbody = h('tbody');
const pagerEl = h('div', {id: 'documents-pager', class: 'pager'});
const root = h('div', {id: 'documents-list'},
    dropzone, uploadList,
    h('div', {class: 'section-head'}, h('h2', {}, 'Documents'), newJob),
    errorSlot,
    h('table', {id: 'documents-table', class: 'data'},
        h('thead', {}, h('tr', {}, h('th', {class: 'check'}), h('th', {}, 'Name'), ['Pages', 'Tokens', 'Chunks', 'Size']
            .map(label => h('th', {class: 'num'}, label)), h('th', {}, 'Uploaded'))),
        tbody),
    pagerEl);

export function mount(element, signal) {
    visit = signal;
    newJob.disabled = selectedCount() === 0;
    element.append(root);
    load(signal);
}

function over(e) {
    e.preventDefault();
    dropzone.classList.add('over');
}

function choose(id, selected) {
    select(id, selected);
    newJob.disabled = selectedCount() === 0;
}

async function load(signal) {
    try {
        const result = await api.get(`/api/documents?page=${page}&size=20`, signal);
        errorSlot.replaceChildren();
        tbody.replaceChildren(...rowsOrEmpty(result.content.map(row), 7, 'No documents yet: drop a PDF above.'));
        pager(pagerEl, result, n => {
            page = n;
            load(signal);
        });
    } catch (e) {
        if (!isAbort(e)) showError(errorSlot, e);
    }
}

function row(doc) {
    const link = text => h('a', {href: '#documents/' + doc.id}, text);
    return h('tr', {dataset: {id: doc.id}},
        h('td', {class: 'check'}, h('input', {type: 'checkbox', 'aria-label': 'Select ' + doc.name, checked: isSelected(doc.id),
            onchange: e => choose(doc.id, e.target.checked)})),
        h('td', {}, link(doc.title || doc.name),
            doc.title && doc.title !== doc.name ? h('div', {class: 'muted small'}, doc.name) : null),
        h('td', {class: 'num'}, fmt(doc.pages)),
        h('td', {class: 'num'}, fmt(doc.tokens)),
        h('td', {class: 'num'}, link(fmt(doc.chunkCount))),
        h('td', {class: 'num'}, fmtBytes(doc.sizeBytes)),
        h('td', {}, fmtTime(doc.createdAt)));
}

function uploadFiles(files) {
    for (const file of files) {
        const status = h('span', {class: 'status'}, 'waiting');
        const item = h('li', {}, h('span', {class: 'name'}, file.name), status);
        uploadList.append(item);
        uploads = uploads.then(() => upload(file, item, status));
    }
}

async function upload(file, item, status) {
    try {
        const {document: doc, created} = await uploadDocument(file, {
            onProgress: share => { status.textContent = 'uploading ' + fmtPercent(share); },
            onSent: () => { status.textContent = 'reading…'; },
        });
        item.className = 'ok';
        status.replaceChildren(`${fmt(doc.pages)} pages · ${fmt(doc.tokens)} tokens · ${fmt(doc.chunkCount)} chunks`,
            created ? '' : ' (uploaded before)', ' · ', h('a', {href: '#documents/' + doc.id}, 'read chunks'));
        choose(doc.id, true);
        if (!visit.aborted) load(visit);
    } catch (e) {
        item.className = 'failed';
        status.replaceChildren(errorBox(e));
    }
}
