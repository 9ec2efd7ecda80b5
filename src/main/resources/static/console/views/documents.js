// #documents: the drop zone (files uploaded one after another, each with its status line, following the reading of
// large or scanned files page by page) and the documents table. Built once and kept, so upload lines and ticks
// survive a visit to another view.

import {api, readEvents, uploadDocument} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtBytes, fmtPercent, fmtTime} from '../format.js';
import {isSelected, select, selectedCount} from '../selection.js';
import {settings} from '../settings.js';
import {isAbort, poll} from '../wait.js';
import {badge, errorBox, pager, showError, table} from '../widgets.js';
import {ocrFields, pagesProgress} from './document-ocr.js';

let page = 0;
/** The signal of the visit in progress: a finished upload refreshes the table only while it is on screen. */
let visit = AbortSignal.abort();
/** Extraction is CPU-bound on the server: one upload at a time. */
let uploads = Promise.resolve();

/** The OCR fields, made once the settings have arrived. */
let ocr = null;

const fileInput = h('input', {id: 'file-input', class: 'visually-hidden', type: 'file', multiple: true, tabindex: -1,
    onchange: e => {
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
h('p', {}, h('strong', {}, 'Drop PDFs here'), ' (or Word, OpenDocument, HTML, EPUB, plain text, Markdown; scans are read by OCR) or ',
    h('label', {class: 'link', for: 'file-input'}, 'choose files')),
fileInput);
const ocrSlot = h('div', {id: 'upload-options'});
const uploadList = h('ul', {id: 'uploads', class: 'uploads'});
const newJob = h('button', {id: 'new-job-from-documents', type: 'button', onclick: () => { location.hash = '#jobs'; }},
    'New job from selected');
const errorSlot = h('div', {id: 'documents-error'});
const documentsTable = table({id: 'documents-table'}, [
    {title: '', head: {class: 'check'}, attrs: () => ({class: 'check'}), cell: doc => h('input', {type: 'checkbox',
        'aria-label': 'Select ' + doc.name, checked: ready(doc) && isSelected(doc.id), disabled: !ready(doc),
        title: ready(doc) ? null : 'Only documents that are read can go into a job', onchange: e => choose(doc.id, e.target.checked)})},
    {title: 'Name', cell: doc => [link(doc, doc.title || doc.name), ready(doc) ? null : [' ', badge(doc.status)],
        doc.title && doc.title !== doc.name ? h('div', {class: 'muted small'}, doc.name) : null,
        doc.status === 'PROCESSING' ? pagesProgress(doc) : null,
        doc.status === 'FAILED' && doc.error ? h('div', {class: 'error small'}, doc.error.title) : null]},
    {title: 'Pages', num: true, cell: doc => fmt(doc.pages)},
    {title: 'Tokens', num: true, cell: doc => fmt(doc.tokens)},
    {title: 'Chunks', num: true, cell: doc => link(doc, fmt(doc.chunkCount))},
    {title: 'Size', num: true, cell: doc => fmtBytes(doc.sizeBytes)},
    {title: 'Uploaded', cell: doc => fmtTime(doc.createdAt)},
], {row: doc => ({dataset: {id: doc.id, status: doc.status}}), empty: 'No documents yet: drop a PDF above.'});
const pagerEl = h('div', {id: 'documents-pager', class: 'pager'});
const root = h('div', {id: 'documents-list'},
    dropzone, ocrSlot, uploadList,
    h('div', {class: 'section-head'}, h('h2', {}, 'Documents'), newJob),
    errorSlot,
    documentsTable.element,
    pagerEl);

export async function mount(element, signal) {
    visit = signal;
    newJob.disabled = selectedCount() === 0;
    element.append(root);
    load(signal);
    try {
        const {documents} = await settings();
        fileInput.accept = documents.fileTypes.join(',');
        if (!ocr) {
            ocr = ocrFields(documents, 'upload');
            ocrSlot.replaceChildren(ocr.element);
        }
    } catch (e) {
        if (!isAbort(e)) showError(errorSlot, e);
    }
}

function over(e) {
    e.preventDefault();
    dropzone.classList.add('over');
}

function choose(id, selected) {
    select(id, selected);
    newJob.disabled = selectedCount() === 0;
}

/** The visit whose refresh loop is running, if one is. */
let refreshing = null;

/** Shows the current page, and again every two seconds while one of its documents is still being read. */
function load(signal) {
    if (refreshing === signal) return render(signal);
    refreshing = signal;
    return poll(2000, signal, () => render(signal)).finally(() => {
        if (refreshing === signal) refreshing = null;
    });
}

/** Draws the page once; answers whether a document on it is still being read. */
async function render(signal) {
    try {
        const result = await api.get(`/api/documents?page=${page}&size=20`, signal);
        errorSlot.replaceChildren();
        documentsTable.show(result.content);
        pager(pagerEl, result, n => {
            page = n;
            load(signal);
        });
        return result.content.some(doc => doc.status === 'PROCESSING');
    } catch (e) {
        if (!isAbort(e)) showError(errorSlot, e);
        return false;
    }
}

/** Only documents that are read can go into a job. */
const ready = doc => doc.status === 'READY';

const link = (doc, text) => h('a', {href: '#documents/' + doc.id}, text);

function uploadFiles(files) {
    for (const file of files) {
        const status = h('span', {class: 'status'}, 'waiting');
        const item = h('li', {}, h('span', {class: 'name'}, file.name), status);
        uploadList.append(item);
        uploads = uploads.then(() => upload(file, item, status));
    }
}

async function upload(file, item, status) {
    let doc, created;
    try {
        ({document: doc, created} = await uploadDocument(file, {
            fields: ocr ? ocr.values() : {},
            onProgress: share => { status.textContent = 'uploading ' + fmtPercent(share); },
            onSent: () => { status.textContent = 'reading…'; },
        }));
    } catch (e) {
        item.className = 'failed';
        status.replaceChildren(errorBox(e));
        return;
    }
    if (!visit.aborted) load(visit);
    // Reading goes on in the background (a scan, a large file): the line follows it while the next upload starts.
    follow(doc, created, item, status);
}

async function follow(doc, created, item, status) {
    try {
        if (doc.status === 'PROCESSING') {
            status.replaceChildren(pagesProgress(doc));
            await readEvents(`/api/documents/${doc.id}/events`, now => {
                doc = now;
                if (doc.status === 'PROCESSING') status.replaceChildren(pagesProgress(doc));
            }, new AbortController().signal);
        }
    } catch (e) {
        item.className = 'failed';
        status.replaceChildren(errorBox(e));
        return;
    }
    if (doc.status === 'FAILED') {
        item.className = 'failed';
        status.replaceChildren(h('div', {class: 'error', role: 'alert'}, h('strong', {}, doc.error?.title || 'Failed'),
            ' ', doc.error?.detail || ''), h('a', {href: '#documents/' + doc.id}, 'try again with other settings'));
    } else {
        item.className = 'ok';
        status.replaceChildren(`${fmt(doc.pages)} pages · ${fmt(doc.tokens)} tokens · ${fmt(doc.chunkCount)} chunks`,
            doc.ocrPages ? ` · ${fmt(doc.ocrPages)} read by OCR` : '', created ? '' : ' (uploaded before)', ' · ',
            h('a', {href: '#documents/' + doc.id}, 'read chunks'));
        choose(doc.id, true);
    }
    if (!visit.aborted) load(visit);
}
