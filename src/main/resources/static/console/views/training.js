// #trainings/<id>: one training run with its loss curve, parameters, metrics and report; refreshed every 5 s until
// the run ends, and cancellable while it has not.

import {api} from '../api.js';
import {lossChart} from '../chart.js';
import {h} from '../dom.js';
import {fmtNumber, fmtStep, fmtTime, short} from '../format.js';
import {settings} from '../settings.js';
import {isAbort, poll} from '../wait.js';
import {backLink, badge, errorBox, facts, keyValues, showError} from '../widgets.js';

export function mount(element, signal, {id}) {
    const root = h('div', {id: 'training-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    poll(5000, signal, async () => {
        try {
            const [{trainings}, run] = await Promise.all([settings(), api.get(`/api/trainings/${id}`, signal)]);
            const ended = status => trainings.terminalStatuses.includes(status);
            render(root, run, ended);
            return !ended(run.status);
        } catch (e) {
            if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
            return false;
        }
    });
}

function render(root, run, ended) {
    const actionError = h('div');
    const p = run.progress || {};
    const cancel = async () => {
        try {
            render(root, await api.post(`/api/trainings/${run.id}/cancel`), ended);
        } catch (e) {
            showError(actionError, e);
        }
    };
    root.replaceChildren(
        back(),
        h('div', {class: 'section-head'},
            h('h2', {}, 'Training ', h('code', {}, short(run.id)), ' ', badge(run.status)),
            ended(run.status) || run.cancelRequested ? null : h('button', {type: 'button', class: 'danger', onclick: cancel}, 'Cancel run')),
        actionError,
        facts([['Base model', run.baseModel], ['Job', h('a', {href: '#jobs/' + run.jobId}, h('code', {}, short(run.jobId)))],
            ['Step', fmtStep(p), 'step'], ['Loss', fmtNumber(p.loss), 'loss'], ['Eval loss', fmtNumber(p.evalLoss), 'evalLoss'],
            ['Worker', run.workerId || '—'], ['Created', fmtTime(run.createdAt)], ['Started', fmtTime(run.startedAt)],
            ['Finished', fmtTime(run.finishedAt)], run.cancelRequested && !ended(run.status) ? ['Cancel', 'requested'] : null]),
        run.error ? h('div', {class: 'error'}, h('strong', {}, 'Run error'), ' ', run.error) : '',
        h('h3', {}, 'Loss'), lossChart(run.history || []),
        run.adapterUri ? h('p', {}, 'Adapter: ', h('code', {}, run.adapterUri)) : '',
        keyValues('Parameters', run.params), keyValues('Metrics', run.metrics), keyValues('Report', run.report));
}

function back() {
    return backLink('#trainings', 'Training runs');
}
