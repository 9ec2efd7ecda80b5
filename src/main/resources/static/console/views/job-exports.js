// The job view's two ways out: a download of the export, and a push to the Hugging Face Hub, each offering only the
// formats (and splits) the service's settings list for it.

import {api, download} from '../api.js';
import {h} from '../dom.js';
import {short} from '../format.js';
import {isAbort, sleep} from '../wait.js';
import {badge, showError} from '../widgets.js';

const FORMAT_LABELS = {jsonl: 'JSONL', csv: 'CSV', parquet: 'Parquet'};
const SPLIT_LABELS = {all: 'train + test'};

/** Options for the values the service lists, under their names here, or as the service spells them. */
const options = (values, labels, fallback = value => value.toUpperCase()) =>
    values.map(value => h('option', {value}, labels[value] || fallback(value)));

export function downloadCard(jobId, {exports}) {
    const slot = h('div');
    const format = h('select', {name: 'format', 'aria-label': 'Format'}, options(exports.formats, FORMAT_LABELS));
    const split = h('select', {name: 'split', 'aria-label': 'Split'}, options(exports.splits, SPLIT_LABELS, value => value));
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

export function hubCard(jobId, {hubPushes}, signal) {
    const slot = h('div');
    const form = h('form', {class: 'card', id: 'hub-form', onsubmit: e => {
        e.preventDefault();
        const fields = form.elements;
        startPush(`/api/jobs/${jobId}/hub-push`, {repoId: fields.repoId.value.trim(), private: fields.private.checked,
            format: fields.format.value}, fields, slot, signal);
    }},
    h('h3', {}, 'Push to the Hugging Face Hub'),
    h('div', {class: 'row'},
        h('label', {}, 'Dataset repo ', h('input', {name: 'repoId', placeholder: 'you/touch-rugby-qa', size: 24})),
        h('label', {}, h('input', {type: 'checkbox', name: 'private', checked: true}), ' private')),
    h('div', {class: 'row'},
        hubTokenField(),
        h('select', {name: 'format', 'aria-label': 'Format'}, options(hubPushes.formats, FORMAT_LABELS)),
        h('button', {type: 'submit'}, 'Push')),
    slot);
    return form;
}

/** The token a push may carry instead of the service's; never kept after the push is sent. */
export const hubTokenField = () => h('label', {}, 'Hub token ', h('input', {name: 'hubToken', type: 'password',
    autocomplete: 'off', placeholder: 'the service’s HF_TOKEN', size: 22}));

/** Sends a Hub push (with the typed token, if any), clears the token field and follows the push in the slot. */
export async function startPush(url, body, fields, slot, signal) {
    slot.replaceChildren();
    const token = fields.hubToken.value.trim();
    try {
        const push = await api.post(url, token ? {...body, token} : body);
        fields.hubToken.value = '';
        followPush(push, slot, signal);
    } catch (error) {
        showError(slot, error);
    }
}

/** Polls a Hub push until the service says it finished, showing its status, link and error as they come. */
async function followPush(push, slot, signal) {
    for (;;) {
        const link = push.commitUrl || push.repoUrl;
        slot.replaceChildren(h('p', {class: 'notice'}, 'Hub push ', badge(push.status || 'QUEUED'),
            link ? [' ', h('a', {href: link, target: '_blank', rel: 'noopener', title: link}, push.repoId || link)] : null),
        push.error ? h('div', {class: 'error'}, h('strong', {}, 'Push failed'), ' ', push.error) : '');
        if (!push.id || push.finishedAt) return;
        await sleep(1500, signal);
        if (signal.aborted) return;
        try {
            push = await api.get(`/api/hub-pushes/${push.id}`, signal);
        } catch (e) {
            if (!isAbort(e)) showError(slot, e);
            return;
        }
    }
}
