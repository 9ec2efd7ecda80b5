// The service's API: the bearer token, problem+json errors, JSON calls, event streams, downloads and uploads.

const TOKEN_KEY = 'qaforge.apiToken';

export const token = () => localStorage.getItem(TOKEN_KEY) || '';

export function setToken(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
}

let tokenNeeded = () => {};

/** Tells the page, on every answer from the service, whether it asked for a token (401). */
export function onTokenNeeded(listener) {
    tokenNeeded = listener;
}

function authHeaders(extra = {}) {
    return token() ? {...extra, Authorization: 'Bearer ' + token()} : extra;
}

/** An API failure as the user should read it: the problem's title and detail. */
export class ApiError extends Error {
    constructor(status, title, detail) {
        super(detail ? `${title}: ${detail}` : title);
        this.status = status;
        this.title = title;
        this.detail = detail || '';
    }
}

const unreachable = what => new ApiError(0, 'Service unreachable', what);

/** The problem+json title and detail of a failed answer; where there is none (a proxy's page), its status line. */
export function problem(status, statusText, body) {
    return new ApiError(status, body?.title || statusText || `HTTP ${status}`, body?.detail);
}

async function answer(response) {
    tokenNeeded(response.status === 401);
    if (response.ok) return response;
    const body = await response.json().catch(() => null);
    throw problem(response.status, response.statusText, body);
}

async function call(path, init, failed) {
    try {
        return await answer(await fetch(path, {...init, headers: authHeaders(init.headers)}));
    } catch (e) {
        if (e instanceof ApiError || e.name === 'AbortError') throw e;
        throw unreachable(`${failed} (${e.message})`);
    }
}

async function send(method, path, body, signal) {
    const headers = {Accept: 'application/json'};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await call(path, {method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body)},
        'The request did not reach qaforge');
    return response.status === 204 ? null : response.json();
}

export const api = {
    get: (path, signal) => send('GET', path, undefined, signal),
    post: (path, body) => send('POST', path, body),
    delete: path => send('DELETE', path),
};

/** Posts a multipart form (a small file and its fields) and reads the JSON answer. */
export async function postForm(path, form) {
    const response = await call(path, {method: 'POST', headers: {Accept: 'application/json'}, body: form}, 'The upload did not reach qaforge');
    return response.json();
}

/**
 * Reads a Server-Sent Events stream with fetch, because EventSource cannot send the Authorization header.
 * Calls onData with each event's parsed JSON data; resolves when the server ends the stream, rejects when the signal aborts.
 */
export async function readEvents(path, onData, signal) {
    const response = await call(path, {headers: {Accept: 'text/event-stream'}, signal}, 'The event stream did not open');
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
export async function download(path, fallbackName) {
    const response = await call(path, {}, 'The download did not start');
    const disposition = response.headers.get('Content-Disposition') || '';
    const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition);
    const name = match ? decodeURIComponent(match[1] || match[2]) : fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), {href: url, download: name, hidden: true});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return name;
}

/**
 * Uploads a document (and form fields such as the OCR mode) with XMLHttpRequest, the one browser API that reports
 * upload progress.
 * Resolves with {document, created}; rejects with an ApiError.
 */
export function uploadDocument(file, {onProgress, onSent, fields = {}}) {
    return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/api/documents');
        for (const [name, value] of Object.entries(authHeaders({Accept: 'application/json'}))) xhr.setRequestHeader(name, value);
        xhr.upload.onprogress = e => e.lengthComputable && onProgress(e.loaded / e.total);
        xhr.upload.onload = onSent;
        xhr.onload = () => {
            tokenNeeded(xhr.status === 401);
            let body = null;
            try {
                body = JSON.parse(xhr.responseText);
            } catch {
                // An empty or non-JSON answer: the status line says what happened.
            }
            // 201: read at once; 202: still being read (follow its events); 200: the same bytes were uploaded before.
            if (xhr.status >= 200 && xhr.status < 300) resolve({document: body, created: xhr.status !== 200});
            else reject(problem(xhr.status, xhr.statusText, body));
        };
        xhr.onerror = () => reject(unreachable('The upload did not reach qaforge'));
        const form = new FormData();
        form.append('file', file);
        for (const [name, value] of Object.entries(fields)) form.append(name, value);
        xhr.send(form);
    });
}
