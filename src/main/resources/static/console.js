// qaforge console: one static page over the public API. Vanilla JS, no build step, nothing fetched from elsewhere.
'use strict';

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Builds an element: attributes (on* become listeners; null/false are left out) and children (nodes or text). */
function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value == null || value === false) continue;
        if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
        else if (key === 'class') el.className = value;
        else if (key === 'dataset') Object.assign(el.dataset, value);
        else el.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
        if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
    }
    return el;
}

/** The same for SVG. */
function svg(tag, attrs, ...children) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value != null) el.setAttribute(key, value);
    }
    for (const child of children.flat()) {
        if (child != null) el.append(child instanceof Node ? child : String(child));
    }
    return el;
}

const numbers = new Intl.NumberFormat('en');
const fmt = n => n == null ? '—' : numbers.format(n);
const fmtCost = usd => usd == null ? '—' : '$' + Number(usd).toFixed(Number(usd) < 1 ? 4 : 2);
const fmtPercent = x => Math.floor(x * 100) + ' %';
const short = id => String(id).slice(0, 8);
const sleep = (ms, signal) => new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
});

function fmtBytes(bytes) {
    if (bytes == null) return '—';
    const units = ['B', 'KB', 'MB', 'GB'];
    let i = 0;
    for (; bytes >= 1024 && i < units.length - 1; i++) bytes /= 1024;
    return (i === 0 ? bytes : bytes.toFixed(1)) + ' ' + units[i];
}

function fmtDuration(seconds) {
    if (seconds == null) return '—';
    const s = Math.round(seconds);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${s % 60} s`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function fmtTime(iso) {
    return iso ? new Date(iso).toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'}) : '—';
}

function fmtNumber(x) {
    if (x == null || x === '') return '—';
    const n = Number(x);
    return Number.isFinite(n) ? String(Number(n.toPrecision(4))) : String(x);
}

// ---------------------------------------------------------------------------------------------------------------
// The API: bearer token, problem+json errors, SSE over fetch, downloads

const TOKEN_KEY = 'qaforge.apiToken';
const token = () => localStorage.getItem(TOKEN_KEY) || '';

function authHeaders(extra = {}) {
    return token() ? {...extra, Authorization: 'Bearer ' + token()} : extra;
}

/** An API failure as the user should read it: the problem's title and detail. */
class ApiError extends Error {
    constructor(status, title, detail) {
        super(detail ? `${title}: ${detail}` : title);
        this.status = status;
        this.title = title;
        this.detail = detail || '';
    }
}

async function problemOf(response) {
    let title = response.statusText || `HTTP ${response.status}`;
    let detail = '';
    try {
        const body = await response.json();
        title = body.title || title;
        detail = body.detail || '';
    } catch {
        // Not problem+json (a proxy's page, say): the status line is all there is.
    }
    return new ApiError(response.status, title, detail);
}

async function send(method, path, body, signal) {
    const init = {method, headers: authHeaders({Accept: 'application/json'}), signal};
    if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
        response = await fetch(path, init);
    } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw new ApiError(0, 'Service unreachable', 'The request did not reach qaforge (' + e.message + ')');
    }
    if (!response.ok) throw await problemOf(response);
    $('.token').classList.remove('needed');
    return response.status === 204 ? null : response.json();
}

const api = {
    get: (path, signal) => send('GET', path, undefined, signal),
    post: (path, body) => send('POST', path, body),
    delete: path => send('DELETE', path),
};

/**
 * Reads a Server-Sent Events stream with fetch, because EventSource cannot send the Authorization header.
 * Calls onData with each event's parsed JSON data; resolves when the server ends the stream.
 */
async function readEvents(path, onData, signal) {
    const response = await fetch(path, {headers: authHeaders({Accept: 'text/event-stream'}), signal});
    if (!response.ok) throw await problemOf(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
        const {value, done} = await reader.read();
        if (done) return;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
            const data = buffer.slice(0, end).split('\n')
                .filter(line => line.startsWith('data:'))
                .map(line => line.slice(5).replace(/^ /, ''))
                .join('\n');
            buffer = buffer.slice(end + 2);
            if (data) onData(JSON.parse(data));
        }
    }
}

/** Downloads through fetch (so the token goes along) into a blob the browser saves under the server's file name. */
async function download(path, fallbackName) {
    let response;
    try {
        response = await fetch(path, {headers: authHeaders()});
    } catch (e) {
        throw new ApiError(0, 'Service unreachable', 'The download did not start (' + e.message + ')');
    }
    if (!response.ok) throw await problemOf(response);
    const disposition = response.headers.get('Content-Disposition') || '';
    const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition);
    const name = match ? decodeURIComponent(match[1] || match[2]) : fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = h('a', {href: url, download: name, hidden: true});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return name;
}

function errorBox(error) {
    const title = error instanceof ApiError ? error.title : 'Something went wrong';
    const detail = error instanceof ApiError ? error.detail : error.message;
    return h('div', {class: 'error', role: 'alert'}, h('strong', {}, title), detail ? ' ' + detail : '');
}

function showError(slot, error) {
    slot.replaceChildren(errorBox(error));
    $('.token').classList.toggle('needed', error.status === 401);
}

// ---------------------------------------------------------------------------------------------------------------
// Routing: #documents, #documents/<id>, #jobs, #jobs/<id>, #trainings, #trainings/<id>

const state = {documentsPage: 0, jobsPage: 0, trainingsPage: 0, selected: new Set()};

/** What the current view follows live (SSE, polling); aborted when the view changes. */
let live = new AbortController();

const tabs = {
    documents: {detail: '#document-detail', list: showDocuments, show: showDocument},
    jobs: {detail: '#job-detail', list: showJobs, show: showJob},
    trainings: {detail: '#training-detail', list: showTrainings, show: showTraining},
};

function route() {
    live.abort();
    live = new AbortController();
    const [name, id] = location.hash.slice(1).split('/');
    const tab = tabs[name] ? name : 'documents';
    for (const section of $$('main > .tab')) section.hidden = section.id !== tab;
    for (const link of $$('#tabs a')) link.classList.toggle('active', link.dataset.tab === tab);
    const list = $(`#${tab}-list`);
    const detail = $(tabs[tab].detail);
    list.hidden = Boolean(id);
    detail.hidden = !id;
    window.scrollTo(0, 0);
    if (id) tabs[tab].show(decodeURIComponent(id), detail, live.signal);
    else tabs[tab].list(live.signal);
}

function backLink(hash, label) {
    return h('a', {class: 'back', href: hash}, '← ' + label);
}

function pager(el, page, go) {
    const {number, totalPages, totalElements} = page.page || page;
    if (totalPages <= 1) {
        el.replaceChildren();
        return;
    }
    el.replaceChildren(
        h('button', {type: 'button', disabled: number === 0, onclick: () => go(number - 1)}, '‹ Previous'),
        h('span', {}, `Page ${number + 1} of ${fmt(totalPages)} · ${fmt(totalElements)} in all`),
        h('button', {type: 'button', disabled: number + 1 >= totalPages, onclick: () => go(number + 1)}, 'Next ›'));
}

function emptyRow(columns, text) {
    return h('tr', {class: 'empty'}, h('td', {colspan: columns}, text));
}

const TERMINAL = new Set(['SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED', 'BUDGET_EXHAUSTED']);

function badge(status) {
    return h('span', {class: 'badge status-' + String(status).toLowerCase()}, String(status).replaceAll('_', ' ').toLowerCase());
}

function facts(pairs) {
    return h('dl', {class: 'facts'}, pairs.filter(Boolean).map(([label, value, name]) =>
        h('div', {dataset: name ? {fact: name} : {}}, h('dt', {}, label), h('dd', {}, value))));
}

// ---------------------------------------------------------------------------------------------------------------
// Documents

async function showDocuments(signal) {
    const slot = $('#documents-error');
    try {
        const page = await api.get(`/api/documents?page=${state.documentsPage}&size=20`, signal);
        slot.replaceChildren();
        const rows = page.content.map(doc => h('tr', {dataset: {id: doc.id}},
            h('td', {class: 'check'}, h('input', {
                type: 'checkbox', 'aria-label': 'Select ' + doc.name, checked: state.selected.has(doc.id),
                onchange: e => selectDocument(doc.id, e.target.checked),
            })),
            h('td', {}, h('a', {href: '#documents/' + doc.id}, doc.title || doc.name),
                doc.title && doc.title !== doc.name ? h('div', {class: 'muted small'}, doc.name) : null),
            h('td', {class: 'num'}, fmt(doc.pages)),
            h('td', {class: 'num'}, fmt(doc.tokens)),
            h('td', {class: 'num'}, h('a', {href: '#documents/' + doc.id}, fmt(doc.chunkCount))),
            h('td', {class: 'num'}, fmtBytes(doc.sizeBytes)),
            h('td', {}, fmtTime(doc.createdAt))));
        $('#documents-table tbody').replaceChildren(...(rows.length ? rows : [emptyRow(7, 'No documents yet: drop a PDF above.')]));
        pager($('#documents-pager'), page, n => {
            state.documentsPage = n;
            showDocuments(signal);
        });
    } catch (e) {
        if (e.name !== 'AbortError') showError(slot, e);
    }
}

function selectDocument(id, selected) {
    if (selected) state.selected.add(id);
    else state.selected.delete(id);
    $('#new-job-from-documents').disabled = state.selected.size === 0;
}

let uploads = Promise.resolve();

/** Uploads one file after another (extraction is CPU-bound on the server), each with its own status line. */
function uploadFiles(files) {
    for (const file of files) {
        const status = h('span', {class: 'status'}, 'waiting');
        const item = h('li', {}, h('span', {class: 'name'}, file.name), status);
        $('#uploads').append(item);
        uploads = uploads.then(() => upload(file, item, status));
    }
}

function upload(file, item, status) {
    return new Promise(resolve => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/api/documents');
        if (token()) xhr.setRequestHeader('Authorization', 'Bearer ' + token());
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.upload.onprogress = e => {
            if (e.lengthComputable) status.textContent = 'uploading ' + fmtPercent(e.loaded / e.total);
        };
        xhr.upload.onload = () => { status.textContent = 'reading…'; };
        xhr.onload = () => {
            let body = null;
            try {
                body = JSON.parse(xhr.responseText);
            } catch {
                // An empty or non-JSON answer: reported by status below.
            }
            if (xhr.status >= 200 && xhr.status < 300) {
                item.className = 'ok';
                status.replaceChildren(
                    `${fmt(body.pages)} pages · ${fmt(body.tokens)} tokens · ${fmt(body.chunkCount)} chunks`,
                    xhr.status === 200 ? ' (uploaded before)' : '', ' · ',
                    h('a', {href: '#documents/' + body.id}, 'read chunks'));
                selectDocument(body.id, true);
                if (location.hash === '' || location.hash === '#documents') showDocuments(live.signal);
            } else {
                item.className = 'failed';
                const error = new ApiError(xhr.status, body?.title || xhr.statusText || 'HTTP ' + xhr.status, body?.detail);
                status.replaceChildren(errorBox(error));
                $('.token').classList.toggle('needed', xhr.status === 401);
            }
            resolve();
        };
        xhr.onerror = () => {
            item.className = 'failed';
            status.replaceChildren(errorBox(new ApiError(0, 'Service unreachable', 'The upload did not reach qaforge')));
            resolve();
        };
        const form = new FormData();
        form.append('file', file);
        xhr.send(form);
    });
}

async function showDocument(id, el, signal) {
    el.replaceChildren(backLink('#documents', 'Documents'), h('p', {class: 'muted'}, 'Loading…'));
    let doc;
    try {
        doc = await api.get(`/api/documents/${id}`, signal);
    } catch (e) {
        if (e.name !== 'AbortError') el.replaceChildren(backLink('#documents', 'Documents'), errorBox(e));
        return;
    }
    const actionError = h('div');
    const chunks = h('div', {class: 'chunks'});
    const pagerTop = h('div', {class: 'pager'});
    const pagerBottom = h('div', {class: 'pager'});
    el.replaceChildren(
        backLink('#documents', 'Documents'),
        h('div', {class: 'section-head'},
            h('h2', {}, doc.title || doc.name),
            h('div', {class: 'actions'},
                h('button', {type: 'button', class: 'primary', onclick: () => {
                    selectDocument(doc.id, true);
                    location.hash = '#jobs';
                }}, 'New job with this document'),
                h('button', {type: 'button', class: 'danger', onclick: async () => {
                    if (!confirm(`Delete ${doc.name}?`)) return;
                    try {
                        await api.delete(`/api/documents/${doc.id}`);
                        selectDocument(doc.id, false);
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
                    ` · ${pages(chunk.pageFrom, chunk.pageTo)} · ${fmt(chunk.tokens)} tokens`),
                h('p', {}, chunk.text))));
            const go = m => {
                page(m);
                pagerTop.scrollIntoView({block: 'nearest'});
            };
            pager(pagerTop, result, go);
            pager(pagerBottom, result, go);
        } catch (e) {
            if (e.name !== 'AbortError') showError(chunks, e);
        }
    }
    page(0);
}

function pages(from, to) {
    return from === to ? `page ${from}` : `pages ${from}–${to}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs: new job (estimate, then confirm), list

async function showJobs(signal) {
    // The form opens by itself when documents were picked for it, or when there is no job to look at yet.
    if (state.selected.size) $('#new-job').open = true;
    loadJobDocuments(signal);
    refreshJobs(signal);
}

async function loadJobDocuments(signal) {
    const list = $('#job-documents');
    try {
        const page = await api.get('/api/documents?size=100', signal);
        list.replaceChildren(...(page.content.length ? page.content.map(doc => h('label', {},
            h('input', {type: 'checkbox', name: 'document', value: doc.id, checked: state.selected.has(doc.id),
                onchange: e => selectDocument(doc.id, e.target.checked)}),
            ' ', doc.title || doc.name, h('span', {class: 'muted'}, ` · ${fmt(doc.chunkCount)} chunks`)))
            : [h('p', {class: 'muted'}, 'No documents yet: upload one under ', h('a', {href: '#documents'}, 'Documents'), '.')]));
    } catch (e) {
        if (e.name !== 'AbortError') showError(list, e);
    }
}

function jobRequest(form) {
    const value = name => form.elements[name].value.trim();
    const request = {
        documentIds: $$('input[name=document]:checked', form).map(box => box.value),
        context: value('context'),
        provider: value('provider'),
        model: value('model'),
        temperatures: {count: Number(value('tempCount')), min: Number(value('tempMin')), max: Number(value('tempMax'))},
        variants: $$('input[name=variant]:checked', form).map(box => box.value),
    };
    if (value('chunkLimit')) request.chunkLimit = Number(value('chunkLimit'));
    if (value('testFraction')) request.testFraction = Number(value('testFraction'));
    return request;
}

function showEstimate(body) {
    const e = body.estimate || body;
    const box = $('#estimate');
    box.replaceChildren(
        h('h3', {}, 'Estimate'),
        facts([['Chunks', fmt(e.chunks), 'chunks'], ['Requests', fmt(e.requests), 'requests'], ['Questions', fmt(e.questions)],
            ['Prompt tokens', fmt(e.promptTokens), 'promptTokens'],
            ['Completion tokens (expected)', fmt(e.expectedCompletionTokens), 'completionTokens'],
            ['Cost', e.priced === false ? 'not priced' : fmtCost(e.costUsd), 'cost']]),
        body.temperatures ? h('p', {class: 'muted'}, 'Temperatures ', body.temperatures.map(fmtNumber).join(', '),
            ' · variants ', (body.variants || []).join(', ')) : '',
        e.priced === false ? h('p', {class: 'muted'}, 'No price is configured for this model, so the cost is unknown.') : '');
    box.hidden = false;
    $('#start-job').hidden = false;
}

function staleEstimate() {
    $('#estimate').hidden = true;
    $('#start-job').hidden = true;
}

async function estimateJob(event) {
    event.preventDefault();
    const form = event.target;
    const slot = $('#job-form-error');
    slot.replaceChildren();
    staleEstimate();
    try {
        showEstimate(await api.post('/api/jobs/estimate', jobRequest(form)));
    } catch (e) {
        showError(slot, e);
    }
}

async function startJob() {
    const slot = $('#job-form-error');
    const button = $('#start-job');
    button.disabled = true;
    try {
        const job = await api.post('/api/jobs', jobRequest($('#job-form')));
        staleEstimate();
        location.hash = '#jobs/' + job.id;
    } catch (e) {
        showError(slot, e);
    } finally {
        button.disabled = false;
    }
}

async function refreshJobs(signal) {
    const slot = $('#jobs-error');
    for (;;) {
        let active = false;
        try {
            const page = await api.get(`/api/jobs?page=${state.jobsPage}&size=20`, signal);
            slot.replaceChildren();
            const rows = page.content.map(job => {
                active ||= !TERMINAL.has(job.status);
                return h('tr', {dataset: {id: job.id}},
                    h('td', {}, h('a', {href: '#jobs/' + job.id}, h('code', {}, short(job.id))),
                        h('div', {class: 'muted small clip'}, job.context)),
                    h('td', {}, badge(job.status)),
                    h('td', {}, `${job.provider} · ${job.model}`),
                    h('td', {}, progressBar(job.tasks, true)),
                    h('td', {class: 'num'}, fmt(job.pairsAccepted)),
                    h('td', {class: 'num'}, fmtCost(job.costUsd)),
                    h('td', {}, fmtTime(job.createdAt)));
            });
            $('#jobs-table tbody').replaceChildren(...(rows.length ? rows : [emptyRow(7, 'No jobs yet.')]));
            if (!page.content.length && state.jobsPage === 0) $('#new-job').open = true;
            pager($('#jobs-pager'), page, n => {
                state.jobsPage = n;
                location.hash === '#jobs' ? route() : null;
            });
        } catch (e) {
            if (e.name === 'AbortError') return;
            showError(slot, e);
        }
        if (!active || signal.aborted) return;
        await sleep(3000, signal);
        if (signal.aborted) return;
    }
}

/** Tasks finished (done, and failed after their last attempt) out of all, as a bar with a label. */
function progressBar(tasks, compact) {
    const total = tasks?.total || 0;
    const done = tasks?.done || 0;
    const failed = tasks?.failed || 0;
    const share = total ? (done + failed) / total : 0;
    const bar = h('div', {class: 'progress' + (compact ? ' compact' : ''), role: 'progressbar', 'aria-valuemin': 0,
            'aria-valuemax': 100, 'aria-valuenow': Math.floor(share * 100)},
        h('div', {class: 'done', style: `width:${total ? done / total * 100 : 0}%`}),
        h('div', {class: 'failed', style: `width:${total ? failed / total * 100 : 0}%`}));
    const label = compact ? fmtPercent(share)
        : `${fmtPercent(share)} · ${fmt(done + failed)} of ${fmt(total)} tasks`
            + [[failed, 'failed'], [tasks?.cancelled, 'cancelled']].filter(([n]) => n > 0).map(([n, what]) => ` · ${fmt(n)} ${what}`).join('');
    return h('div', {class: 'progress-wrap'}, bar, h('span', {class: 'progress-label'}, label));
}

// ---------------------------------------------------------------------------------------------------------------
// One job: live progress, cancel, retry, downloads, Hub push, pairs

async function showJob(id, el, signal) {
    el.replaceChildren(backLink('#jobs', 'Jobs'), h('p', {class: 'muted'}, 'Loading…'));
    let job;
    try {
        job = await api.get(`/api/jobs/${id}`, signal);
    } catch (e) {
        if (e.name !== 'AbortError') el.replaceChildren(backLink('#jobs', 'Jobs'), errorBox(e));
        return;
    }

    const header = h('div', {class: 'section-head'});
    const progress = h('div', {id: 'job-progress'});
    const stats = h('div');
    const rejects = h('div');
    const actionError = h('div');
    const liveNote = h('span', {class: 'live', hidden: true}, 'live');
    const cancel = h('button', {type: 'button', class: 'danger', onclick: () => act('cancel')}, 'Cancel job');
    const retry = h('button', {type: 'button', onclick: () => act('retry-failed')}, 'Retry failed tasks');
    let following = false;

    function update(view) {
        // Pairs appear as tasks finish: refresh the list when the job ends, or while it still shows none.
        if ((!TERMINAL.has(job.status) && TERMINAL.has(view.status)) || (pairs.empty() && view.pairsAccepted > 0)) {
            pairs.reload();
        }
        job = view;
        header.replaceChildren(h('h2', {}, 'Job ', h('code', {}, short(view.id)), ' ', badge(view.status), liveNote));
        progress.replaceChildren(progressBar(view.tasks));
        const t = view.tasks || {};
        stats.replaceChildren(facts([
            ['Pairs accepted', fmt(view.pairsAccepted), 'pairsAccepted'],
            ['Tasks done', fmt(t.done), 'done'], ['Failed', fmt(t.failed), 'failed'],
            ['Pending', fmt((t.pending || 0) + (t.running || 0)), 'pending'],
            ['Prompt tokens', fmt(view.promptTokens), 'promptTokens'],
            ['Completion tokens', fmt(view.completionTokens), 'completionTokens'],
            ['Cost', fmtCost(view.costUsd) + (view.estimate?.priced ? ` of ~${fmtCost(view.estimate.costUsd)}` : ''), 'cost'],
            ['Elapsed', fmtDuration(view.elapsedSeconds), 'elapsed'],
            ['ETA', TERMINAL.has(view.status) ? '—' : fmtDuration(view.etaSeconds), 'eta'],
        ]));
        const reasons = Object.entries(view.rejects || {}).sort((a, b) => b[1] - a[1]);
        rejects.replaceChildren(...(reasons.length ? [h('table', {class: 'data narrow rejects'},
            h('thead', {}, h('tr', {}, h('th', {}, 'Rejected because'), h('th', {class: 'num'}, 'Pairs'))),
            h('tbody', {}, reasons.map(([reason, count]) => h('tr', {}, h('td', {}, reason), h('td', {class: 'num'}, fmt(count))))))]
            : []), view.error ? h('div', {class: 'error'}, h('strong', {}, 'Job error'), ' ', view.error) : '');
        cancel.hidden = TERMINAL.has(view.status);
        retry.hidden = !(t.failed > 0 || view.status === 'FAILED') || view.status === 'CANCELLED';
    }

    async function follow() {
        if (following) return;
        following = true;
        try {
            while (!signal.aborted && !TERMINAL.has(job.status)) {
                try {
                    liveNote.hidden = false;
                    await readEvents(`/api/jobs/${id}/events`, update, signal);
                    update(await api.get(`/api/jobs/${id}`, signal));
                } catch (e) {
                    if (e.name === 'AbortError') return;
                    liveNote.hidden = true;
                    showError(actionError, e);
                    await sleep(3000, signal);
                }
            }
        } finally {
            liveNote.hidden = true;
            following = false;
        }
    }

    async function act(action) {
        actionError.replaceChildren();
        try {
            const answer = await api.post(`/api/jobs/${id}/${action}`);
            update(answer.job || answer);
            if (action === 'retry-failed') actionError.replaceChildren(h('p', {class: 'notice'}, `${fmt(answer.tasksReset)} tasks queued again.`));
            follow();
        } catch (e) {
            showError(actionError, e);
        }
    }

    const pairs = pairsCard(job, signal);
    el.replaceChildren(
        backLink('#jobs', 'Jobs'), header,
        h('p', {class: 'muted'}, `${job.provider} · ${job.model} · created ${fmtTime(job.createdAt)}`),
        h('blockquote', {}, job.context),
        progress, stats, rejects,
        h('div', {class: 'actions'}, cancel, retry), actionError,
        h('div', {class: 'columns'}, downloadCard(id), hubCard(id)),
        pairs.element);
    update(job);
    follow();
}

function downloadCard(jobId) {
    const slot = h('div');
    const format = h('select', {name: 'format', 'aria-label': 'Format'},
        h('option', {value: 'jsonl'}, 'JSONL'), h('option', {value: 'csv'}, 'CSV'), h('option', {value: 'parquet'}, 'Parquet'));
    const split = h('select', {name: 'split', 'aria-label': 'Split'},
        h('option', {value: 'all'}, 'train + test'), h('option', {value: 'train'}, 'train'), h('option', {value: 'test'}, 'test'));
    const button = h('button', {type: 'submit', class: 'primary'}, 'Download');
    return h('form', {class: 'card', id: 'download-form', onsubmit: async e => {
        e.preventDefault();
        slot.replaceChildren();
        button.disabled = true;
        try {
            const name = await download(`/api/jobs/${jobId}/export?format=${format.value}&split=${split.value}`,
                `qaforge-job-${short(jobId)}-${split.value}.${format.value}`);
            slot.replaceChildren(h('p', {class: 'notice'}, 'Saved ' + name));
        } catch (error) {
            showError(slot, error);
        } finally {
            button.disabled = false;
        }
    }}, h('h3', {}, 'Download'), h('div', {class: 'row'}, format, split, button), slot);
}

function hubCard(jobId) {
    const slot = h('div');
    const form = h('form', {class: 'card', id: 'hub-form', onsubmit: async e => {
        e.preventDefault();
        slot.replaceChildren();
        const body = {
            repoId: form.elements.repoId.value.trim(),
            private: form.elements.private.checked,
            format: form.elements.format.value,
        };
        if (form.elements.hubToken.value.trim()) body.token = form.elements.hubToken.value.trim();
        try {
            const push = await api.post(`/api/jobs/${jobId}/hub-push`, body);
            form.elements.hubToken.value = '';
            followPush(push, slot);
        } catch (error) {
            showError(slot, error);
        }
    }},
    h('h3', {}, 'Push to the Hugging Face Hub'),
    h('div', {class: 'row'},
        h('label', {}, 'Dataset repo ', h('input', {name: 'repoId', placeholder: 'you/touch-rugby-qa', size: 24})),
        h('label', {}, h('input', {type: 'checkbox', name: 'private', checked: true}), ' private')),
    h('div', {class: 'row'},
        h('label', {}, 'Hub token ', h('input', {name: 'hubToken', type: 'password', autocomplete: 'off',
            placeholder: 'the service’s HF_TOKEN', size: 22})),
        h('select', {name: 'format', 'aria-label': 'Format'},
            h('option', {value: 'parquet'}, 'Parquet'), h('option', {value: 'jsonl'}, 'JSONL'), h('option', {value: 'csv'}, 'CSV')),
        h('button', {type: 'submit'}, 'Push')),
    slot);
    return form;
}

/** Polls a Hub push operation until it ends, showing its status, link and error as they come. */
async function followPush(push, slot) {
    const signal = live.signal;
    for (;;) {
        const link = push.commitUrl || push.repoUrl;
        slot.replaceChildren(h('p', {class: 'notice'}, 'Hub push ', badge(push.status || 'QUEUED'),
            link ? [' ', h('a', {href: link, target: '_blank', rel: 'noopener', title: link}, push.repoId || link)] : null),
        push.error ? h('div', {class: 'error'}, h('strong', {}, 'Push failed'), ' ', push.error) : '');
        if (!push.id || TERMINAL.has(push.status) || push.finishedAt || signal.aborted) return;
        await sleep(1500, signal);
        try {
            push = await api.get(`/api/hub-pushes/${push.id}`, signal);
        } catch (e) {
            if (e.name !== 'AbortError') showError(slot, e);
            return;
        }
    }
}

function pairsCard(job, signal) {
    const params = job.params || {};
    const select = (name, label, values) => h('label', {}, label + ' ', h('select', {name},
        h('option', {value: ''}, 'all'), values.map(v => h('option', {value: v}, v))));
    const filters = h('form', {class: 'filters row', onchange: () => load(0), onsubmit: e => {
        e.preventDefault();
        load(0);
    }},
    select('split', 'Split', ['train', 'test']),
    select('temperature', 'Temperature', (params.temperatures || []).map(String)),
    select('variant', 'Variant', params.variants || []),
    h('label', {}, 'Chunk id ', h('input', {name: 'chunkId', type: 'number', min: 0, size: 8, placeholder: 'all'})),
    h('label', {}, 'Show ', h('select', {name: 'rejected'},
        h('option', {value: 'false'}, 'accepted'), h('option', {value: 'true'}, 'rejected'), h('option', {value: ''}, 'both'))),
    h('button', {type: 'submit'}, 'Refresh'));
    const tbody = h('tbody');
    const pagerEl = h('div', {class: 'pager'});
    const source = h('aside', {class: 'source'}, h('p', {class: 'muted'}, 'Select a pair to see its source chunk.'));
    const slot = h('div');
    const chunks = new Map();
    let shown = null;

    async function load(n) {
        const query = new URLSearchParams({page: n, size: 20});
        for (const [key, value] of new FormData(filters)) if (value !== '') query.set(key, value);
        try {
            const page = await api.get(`/api/jobs/${job.id}/pairs?${query}`, signal);
            shown = page.content.length;
            slot.replaceChildren();
            tbody.replaceChildren(...(page.content.length ? page.content.map(pair => {
                const row = h('tr', {class: 'pair', tabindex: 0, dataset: {id: pair.id}},
                    h('td', {}, h('div', {class: 'q'}, pair.question), h('div', {class: 'a'}, pair.answer),
                        pair.rejectedReason ? h('div', {class: 'reject'}, 'rejected: ' + pair.rejectedReason) : null),
                    h('td', {class: 'num'}, fmtNumber(pair.temperature)),
                    h('td', {}, pair.variant),
                    h('td', {}, pair.split),
                    h('td', {class: 'num'}, h('a', {href: '', title: `Only this chunk (id ${pair.chunkId})`, onclick: e => {
                        e.preventDefault();
                        filters.elements.chunkId.value = pair.chunkId;
                        load(0);
                    }}, '#' + (pair.chunkOrdinal + 1))));
                row.addEventListener('click', () => choose(pair, row));
                row.addEventListener('keydown', e => e.key === 'Enter' && choose(pair, row));
                return row;
            }) : [emptyRow(5, 'No pairs match.')]));
            pager(pagerEl, page, load);
            const first = tbody.querySelector('tr.pair');
            if (first) first.click();
        } catch (e) {
            if (e.name !== 'AbortError') showError(slot, e);
        }
    }

    async function choose(pair, row) {
        $$('tr.selected', tbody).forEach(r => r.classList.remove('selected'));
        row.classList.add('selected');
        try {
            const chunk = await sourceChunk(pair);
            source.replaceChildren(h('h4', {}, chunk ? `Source: chunk ${chunk.ordinal + 1}` : 'Source chunk'),
                h('p', {class: 'muted'}, pages(pair.pageFrom, pair.pageTo) + (chunk ? ` · ${fmt(chunk.tokens)} tokens` : '')),
                chunk ? h('p', {class: 'chunk-text'}, chunk.text) : h('p', {class: 'muted'}, 'The chunk is no longer stored.'));
        } catch (e) {
            showError(source, e);
        }
    }

    /** The pair's chunk (its document's chunk at the pair's chunk ordinal), fetched once per job page. */
    async function sourceChunk(pair) {
        if (!chunks.has(pair.chunkId)) {
            const page = await api.get(`/api/documents/${pair.documentId}/chunks?page=${pair.chunkOrdinal}&size=1`, signal);
            page.content.forEach(chunk => chunks.set(chunk.id, chunk));
        }
        return chunks.get(pair.chunkId);
    }

    load(0);
    const element = h('section', {class: 'card', id: 'pairs'},
        h('h3', {}, 'Pairs'), filters, slot,
        h('div', {class: 'pairs-layout'},
            h('div', {}, h('table', {class: 'data pairs'},
                h('thead', {}, h('tr', {}, h('th', {}, 'Question / answer'), h('th', {class: 'num'}, 'Temp.'),
                    h('th', {}, 'Variant'), h('th', {}, 'Split'), h('th', {class: 'num'}, 'Chunk'))),
                tbody), pagerEl),
            source));
    return {element, reload: () => load(0), empty: () => shown === 0};
}

// ---------------------------------------------------------------------------------------------------------------
// Trainings

async function showTrainings(signal) {
    const slot = $('#trainings-error');
    try {
        const page = await api.get(`/api/trainings?page=${state.trainingsPage}&size=20`, signal);
        slot.replaceChildren();
        const rows = page.content.map(run => h('tr', {dataset: {id: run.id}},
            h('td', {}, h('a', {href: '#trainings/' + run.id}, h('code', {}, short(run.id)))),
            h('td', {}, badge(run.status)),
            h('td', {}, run.baseModel),
            h('td', {}, h('a', {href: '#jobs/' + run.jobId}, h('code', {}, short(run.jobId)))),
            h('td', {class: 'num'}, run.progress?.step == null ? '—'
                : fmt(run.progress.step) + (run.progress.totalSteps ? ' / ' + fmt(run.progress.totalSteps) : '')),
            h('td', {class: 'num'}, fmtNumber(run.progress?.loss)),
            h('td', {}, fmtTime(run.createdAt))));
        $('#trainings-table tbody').replaceChildren(...(rows.length ? rows
            : [emptyRow(7, 'No training runs yet: queue one with POST /api/trainings once a job has finished.')]));
        pager($('#trainings-pager'), page, n => {
            state.trainingsPage = n;
            showTrainings(signal);
        });
    } catch (e) {
        if (e.name !== 'AbortError') showError(slot, e);
    }
}

async function showTraining(id, el, signal) {
    el.replaceChildren(backLink('#trainings', 'Training runs'), h('p', {class: 'muted'}, 'Loading…'));
    for (;;) {
        let run;
        try {
            run = await api.get(`/api/trainings/${id}`, signal);
        } catch (e) {
            if (e.name !== 'AbortError') el.replaceChildren(backLink('#trainings', 'Training runs'), errorBox(e));
            return;
        }
        renderTraining(run, el);
        if (TERMINAL.has(run.status) || signal.aborted) return;
        await sleep(5000, signal);
        if (signal.aborted) return;
    }
}

function renderTraining(run, el) {
    const actionError = h('div');
    const p = run.progress || {};
    el.replaceChildren(
        backLink('#trainings', 'Training runs'),
        h('div', {class: 'section-head'},
            h('h2', {}, 'Training ', h('code', {}, short(run.id)), ' ', badge(run.status)),
            TERMINAL.has(run.status) || run.cancelRequested ? null : h('button', {type: 'button', class: 'danger', onclick: async () => {
                try {
                    renderTraining(await api.post(`/api/trainings/${run.id}/cancel`), el);
                } catch (e) {
                    showError(actionError, e);
                }
            }}, 'Cancel run')),
        actionError,
        facts([['Base model', run.baseModel], ['Job', h('a', {href: '#jobs/' + run.jobId}, h('code', {}, short(run.jobId)))],
            ['Step', p.step == null ? '—' : fmt(p.step) + (p.totalSteps ? ' / ' + fmt(p.totalSteps) : ''), 'step'],
            ['Loss', fmtNumber(p.loss), 'loss'], ['Eval loss', fmtNumber(p.evalLoss), 'evalLoss'],
            ['Worker', run.workerId || '—'], ['Created', fmtTime(run.createdAt)], ['Started', fmtTime(run.startedAt)],
            ['Finished', fmtTime(run.finishedAt)], run.cancelRequested && !TERMINAL.has(run.status) ? ['Cancel', 'requested'] : null]),
        run.error ? h('div', {class: 'error'}, h('strong', {}, 'Run error'), ' ', run.error) : '',
        h('h3', {}, 'Loss'), lossChart(run.history || []),
        run.adapterUri ? h('p', {}, 'Adapter: ', h('code', {}, run.adapterUri)) : '',
        keyValues('Parameters', run.params), keyValues('Metrics', run.metrics), keyValues('Report', run.report));
}

function keyValues(title, map) {
    const entries = Object.entries(map || {});
    if (!entries.length) return '';
    return h('div', {}, h('h3', {}, title), h('table', {class: 'data narrow'}, h('tbody', {}, entries.map(([key, value]) =>
        h('tr', {}, h('th', {}, key), h('td', {}, typeof value === 'object' ? JSON.stringify(value) : fmtNumber(value)))))));
}

/** Tick values at 1, 2 or 5 × 10^n covering [min, max]. */
function ticks(min, max, count = 5) {
    const raw = (max - min) / count;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map(f => f * magnitude).find(s => s >= raw);
    const first = Math.floor(min / step) * step;
    const values = [];
    for (let v = first; v <= max + step * 0.999; v += step) values.push(Number(v.toPrecision(12)));
    return values;
}

/** The loss curve (and evaluation loss, as points) from the progress history, as inline SVG. */
function lossChart(history) {
    const points = history.map((p, i) => ({x: Number(p.step ?? i), loss: p.loss, evalLoss: p.evalLoss}));
    const series = [['loss', 'training loss'], ['evalLoss', 'eval loss']].map(([key, label]) => ({
        key, label, points: points.filter(p => p[key] != null && Number.isFinite(Number(p[key]))).map(p => [p.x, Number(p[key])]),
    })).filter(s => s.points.length);
    if (!series.length) return h('p', {class: 'muted', id: 'loss-chart'}, 'No loss reported yet.');

    const all = series.flatMap(s => s.points);
    let [xMin, xMax] = [Math.min(...all.map(p => p[0])), Math.max(...all.map(p => p[0]))];
    let [yMin, yMax] = [Math.min(...all.map(p => p[1])), Math.max(...all.map(p => p[1]))];
    if (xMax === xMin) xMax = xMin + 1;
    if (yMax === yMin) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
    // The x axis ends at the last step reported; the y axis at round values around the losses.
    const xTicks = ticks(xMin, xMax).filter(v => v <= xMax);
    const yTicks = ticks(yMin, yMax);
    xMin = xTicks[0];
    [yMin, yMax] = [yTicks[0], yTicks.at(-1)];

    const width = 720, height = 280, m = {left: 56, right: 20, top: 20, bottom: 40};
    const x = v => m.left + (v - xMin) / (xMax - xMin) * (width - m.left - m.right);
    const y = v => height - m.bottom - (v - yMin) / (yMax - yMin) * (height - m.top - m.bottom);
    const path = pts => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join('');

    return svg('svg', {id: 'loss-chart', class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
            'aria-label': 'Loss by training step'},
        yTicks.map(v => svg('g', {class: 'grid'},
            svg('line', {x1: m.left, x2: width - m.right, y1: y(v), y2: y(v)}),
            svg('text', {x: m.left - 8, y: y(v) + 4, 'text-anchor': 'end'}, fmtNumber(v)))),
        xTicks.map(v => svg('text', {class: 'axis', x: x(v), y: height - m.bottom + 18, 'text-anchor': 'middle'}, fmt(v))),
        svg('text', {class: 'axis', x: width - m.right, y: height - 6, 'text-anchor': 'end'}, 'step'),
        series.map(s => svg('g', {class: 'series ' + s.key},
            svg('path', {d: path(s.points)}),
            s.points.length <= 60 || s.key === 'evalLoss'
                ? s.points.map(([a, b]) => svg('circle', {cx: x(a), cy: y(b), r: 3}, svg('title', {}, `step ${fmt(a)}: ${fmtNumber(b)}`)))
                : null)),
        series.map((s, i) => svg('g', {class: 'legend series ' + s.key, transform: `translate(${width - m.right - 130},${m.top + i * 18})`},
            svg('line', {x1: 0, x2: 18, y1: 0, y2: 0}),
            svg('text', {x: 24, y: 4}, s.label))));
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

function init() {
    const tokenInput = $('#token');
    tokenInput.value = token();
    tokenInput.addEventListener('change', () => {
        const value = tokenInput.value.trim();
        if (value) localStorage.setItem(TOKEN_KEY, value);
        else localStorage.removeItem(TOKEN_KEY);
        $('.token').classList.remove('needed');
        route();
    });

    const dropzone = $('#dropzone');
    for (const type of ['dragenter', 'dragover']) {
        dropzone.addEventListener(type, e => {
            e.preventDefault();
            dropzone.classList.add('over');
        });
    }
    dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'));
    // The whole zone opens the file picker, by mouse or keyboard (the label inside already does so itself).
    dropzone.addEventListener('click', e => {
        if (!e.target.closest('label, input')) $('#file-input').click();
    });
    dropzone.addEventListener('keydown', e => {
        if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            $('#file-input').click();
        }
    });
    dropzone.addEventListener('drop', e => {
        e.preventDefault();
        dropzone.classList.remove('over');
        uploadFiles(e.dataTransfer.files);
    });
    // A file dropped beside the zone must not replace the console with the PDF viewer.
    window.addEventListener('dragover', e => e.preventDefault());
    window.addEventListener('drop', e => e.preventDefault());
    $('#file-input').addEventListener('change', e => {
        uploadFiles(e.target.files);
        e.target.value = '';
    });
    $('#new-job-from-documents').addEventListener('click', () => { location.hash = '#jobs'; });

    const form = $('#job-form');
    form.addEventListener('submit', estimateJob);
    form.addEventListener('input', staleEstimate);
    $('#start-job').addEventListener('click', startJob);
    $('#jobs-refresh').addEventListener('click', route);
    $('#trainings-refresh').addEventListener('click', route);

    window.addEventListener('hashchange', route);
    route();
}

init();
