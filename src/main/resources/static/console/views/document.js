// #documents/<id>: one document's facts, its actions, and its chunks ten at a time.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtBytes, fmtPages, fmtTime, short} from '../format.js';
import {select} from '../selection.js';
import {isAbort} from '../wait.js';
import {backLink, errorBox, facts, pager, showError} from '../widgets.js';

export async function mount(element, signal, {id}) {
    const root = h('div', {id: 'document-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    let doc;
    try {
        doc = await api.get(`/api/documents/${id}`, signal);
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
        return;
    }
    const actionError = h('div');
    const chunks = h('div', {class: 'chunks'});
    const pagerTop = h('div', {class: 'pager'});
    const pagerBottom = h('div', {class: 'pager'});
    root.replaceChildren(
        back(),
        h('div', {class: 'section-head'},
            h('h2', {}, doc.title || doc.name),
            h('div', {class: 'actions'},
                h('button', {type: 'button', class: 'primary', onclick: () => {
                    select(doc.id, true);
                    location.hash = '#jobs';
                }}, 'New job with this document'),
                h('button', {type: 'button', class: 'danger', onclick: async () => {
                    if (!confirm(`Delete ${doc.name}?`)) return;
                    try {
                        await api.delete(`/api/documents/${doc.id}`);
                        select(doc.id, false);
                        location.hash = '#documents';
                    } catch (e) {
                        showError(actionError, e);
                    }
                }}, 'Delete'))),
        facts([['File', doc.name], ['Type', doc.mediaType], ['Size', fmtBytes(doc.sizeBytes)], ['Pages', fmt(doc.pages), 'pages'],
            ['Tokens', fmt(doc.tokens), 'tokens'], ['Chunks', fmt(doc.chunkCount), 'chunks'], ['Uploaded', fmtTime(doc.createdAt)],
            ['SHA-256', h('code', {title: doc.sha256}, short(doc.sha256) + '…')]]),
        actionError,
        h('h3', {}, 'Chunks'), pagerTop, chunks, pagerBottom);

    async function page(n) {
        try {
            const result = await api.get(`/api/documents/${id}/chunks?page=${n}&size=10`, signal);
            chunks.replaceChildren(...result.content.map(chunk => h('article', {class: 'chunk', dataset: {ordinal: chunk.ordinal}},
                h('header', {}, h('strong', {}, `Chunk ${chunk.ordinal + 1}`),
                    ` · ${fmtPages(chunk.pageFrom, chunk.pageTo)} · ${fmt(chunk.tokens)} tokens`),
                h('p', {}, chunk.text))));
            const go = m => {
                page(m);
                pagerTop.scrollIntoView({block: 'nearest'});
            };
            pager(pagerTop, result, go);
            pager(pagerBottom, result, go);
        } catch (e) {
            if (!isAbort(e)) showError(chunks, e);
        }
    }
    page(0);
}

function back() {
    return backLink('#documents', 'Documents');
}
