// #documents/<id>: one document's facts and actions; while it is being read, its progress page by page; once read, its
// chunks ten at a time; when reading failed, why, and a way to read it again with other OCR settings.

import {api, readEvents} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtBytes, fmtPages, fmtTime, short} from '../format.js';
import {select} from '../selection.js';
import {settings} from '../settings.js';
import {isAbort} from '../wait.js';
import {backLink, badge, errorBox, facts, pager, showError} from '../widgets.js';
import {ocrFields, pagesProgress} from './document-ocr.js';

export async function mount(element, signal, {id}) {
    const root = h('div', {id: 'document-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    let doc, documentSettings;
    try {
        [doc, {documents: documentSettings}] = await Promise.all([api.get(`/api/documents/${id}`, signal), settings()]);
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
        return;
    }
    const actionError = h('div');
    const state = h('div', {id: 'document-state'});
    const reprocess = reprocessForm(id, documentSettings, actionError, follow);
    const newJob = h('button', {type: 'button', class: 'primary', onclick: () => {
        select(doc.id, true);
        location.hash = '#jobs';
    }}, 'New job with this document');
    const tiles = h('div');
    root.replaceChildren(
        back(),
        h('div', {class: 'section-head'},
            h('h2', {}, doc.title || doc.name),
            h('div', {class: 'actions'},
                newJob,
                h('button', {type: 'button', class: 'danger', onclick: () => remove(doc, actionError)}, 'Delete'))),
        tiles, state, actionError, reprocess.element);
    draw();
    if (doc.status === 'PROCESSING') follow();

    function draw() {
        newJob.disabled = doc.status !== 'READY';
        tiles.replaceChildren(facts([['Status', badge(doc.status), 'status'], ['File', doc.name], ['Type', doc.mediaType],
            ['Size', fmtBytes(doc.sizeBytes)], ['Pages', fmt(doc.pages), 'pages'], ['Tokens', fmt(doc.tokens), 'tokens'],
            ['Chunks', fmt(doc.chunkCount), 'chunks'],
            ['OCR', `${doc.ocr}${doc.ocrLanguages ? ' · ' + doc.ocrLanguages : ''}${doc.ocrPages ? ` · ${fmt(doc.ocrPages)} pages` : ''}`, 'ocr'],
            ['Uploaded', fmtTime(doc.createdAt)], ['SHA-256', h('code', {title: doc.sha256}, short(doc.sha256) + '…')]]));
        reprocess.element.hidden = doc.status === 'PROCESSING';
        reprocess.element.open = doc.status === 'FAILED';
        if (doc.status === 'PROCESSING') {
            state.replaceChildren(pagesProgress(doc));
        } else if (doc.status === 'FAILED') {
            state.replaceChildren(h('div', {class: 'error', role: 'alert', id: 'document-error'},
                h('strong', {}, doc.error?.title || 'Reading failed'), ' ', doc.error?.detail || ''));
        } else {
            state.replaceChildren(chunks(id, signal));
        }
    }

    /** While the document is being read, redraws it at every change the server reports; stops when it is read or failed. */
    async function follow() {
        try {
            await readEvents(`/api/documents/${id}/events`, now => {
                doc = now;
                draw();
            }, signal);
        } catch (e) {
            if (!isAbort(e)) showError(actionError, e);
        }
    }
}

async function remove(doc, errorSlot) {
    if (!confirm(`Delete ${doc.name}?`)) return;
    try {
        await api.delete(`/api/documents/${doc.id}`);
        select(doc.id, false);
        location.hash = '#documents';
    } catch (e) {
        showError(errorSlot, e);
    }
}

/** "Read again" with other OCR settings, from the original bytes the service keeps. */
function reprocessForm(id, documentSettings, errorSlot, started) {
    const ocr = ocrFields(documentSettings, 'reprocess');
    const element = h('details', {id: 'reprocess', class: 'card'},
        h('summary', {}, h('h2', {}, 'Read again')),
        h('p', {class: 'muted'}, 'Extracts the text again from the original file, with these settings, and replaces the chunks.'),
        ocr.element,
        h('button', {type: 'button', id: 'reprocess-start', onclick: async () => {
            errorSlot.replaceChildren();
            try {
                await api.post(`/api/documents/${id}/reprocess`, ocr.values());
                started();
            } catch (e) {
                showError(errorSlot, e);
            }
        }}, 'Read again'));
    return {element};
}

/** The chunks, ten at a time, with a badge on those read by OCR. */
function chunks(id, signal) {
    const list = h('div', {class: 'chunks'});
    const pagerTop = h('div', {class: 'pager'});
    const pagerBottom = h('div', {class: 'pager'});
    async function page(n) {
        try {
            const result = await api.get(`/api/documents/${id}/chunks?page=${n}&size=10`, signal);
            list.replaceChildren(...result.content.map(chunk => h('article', {class: 'chunk', dataset: {ordinal: chunk.ordinal}},
                h('header', {}, h('strong', {}, `Chunk ${chunk.ordinal + 1}`),
                    ` · ${fmtPages(chunk.pageFrom, chunk.pageTo)} · ${fmt(chunk.tokens)} tokens`,
                    chunk.ocr ? [' ', h('span', {class: 'badge', title: 'Read from the page image by OCR'}, 'ocr')] : null),
                h('p', {}, chunk.text))));
            const go = m => {
                page(m);
                pagerTop.scrollIntoView({block: 'nearest'});
            };
            pager(pagerTop, result, go);
            pager(pagerBottom, result, go);
        } catch (e) {
            if (!isAbort(e)) showError(list, e);
        }
    }
    page(0);
    return h('div', {}, h('h3', {}, 'Chunks'), pagerTop, list, pagerBottom);
}

function back() {
    return backLink('#documents', 'Documents');
}
