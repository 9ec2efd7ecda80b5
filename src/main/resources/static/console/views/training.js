// #trainings/<id>: one training run: its recall before / in context / after, the loss curve, every exam answer, the
// adapter to download or push to the Hub, its remediation rounds, parameters and metrics; refreshed every 5 s until
// the run ends, and cancellable while it has not.

import {api} from '../api.js';
import {lossChart} from '../chart.js';
import {h} from '../dom.js';
import {fmt, fmtNumber, fmtStep, fmtTime, short} from '../format.js';
import {contextsNote, recallTable, recoveryNote, retentionNote} from '../recall.js';
import {settings} from '../settings.js';
import {isAbort, poll} from '../wait.js';
import {backLink, badge, errorBox, facts, keyValues, showError} from '../widgets.js';
import {deliverables, results} from './training-results.js';
import {rounds} from './training-rounds.js';

export function mount(element, signal, {id}) {
    const root = h('div', {id: 'training-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    const after = h('div', {id: 'training-after'});
    element.append(root, after);
    let shown = false;
    poll(5000, signal, async () => {
        try {
            const [{trainings}, run] = await Promise.all([settings(), api.get(`/api/trainings/${id}`, signal)]);
            const ended = status => trainings.terminalStatuses.includes(status);
            render(root, run, ended);
            if (ended(run.status) && !shown) {
                shown = true;
                after.replaceChildren(rounds(run, signal), deliverables(run, signal), results(run, signal));
            }
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
            h('h2', {}, run.evaluateOnly ? 'Evaluation ' : 'Training ', h('code', {}, short(run.id)), ' ', badge(run.status)),
            ended(run.status) || run.cancelRequested ? null : h('button', {type: 'button', class: 'danger', onclick: cancel}, 'Cancel run')),
        actionError,
        facts([['Base model', run.baseModel], ['Trained on', trainedOn(run), 'data'],
            ['Exam', run.exam ? h('a', {href: '#exams/' + run.exam.id}, `${run.exam.name} (${fmt(run.exam.questions)})`) : 'the test split, once final', 'exam'],
            ['Step', fmtStep(p), 'step'], ended(run.status) ? null : ['Phase', p.phase || '—', 'phase'], ['Loss', fmtNumber(p.loss), 'loss'],
            ['Eval loss', fmtNumber(p.evalLoss), 'evalLoss'], ['Worker', run.workerId || '—'], ['Attempts', fmt(run.attempts), 'attempts'],
            ['Created', fmtTime(run.createdAt)], ['Started', fmtTime(run.startedAt)], ['Finished', fmtTime(run.finishedAt)],
            run.remediates ? ['Round', [String(run.round), ' · remediates ', h('a', {href: '#trainings/' + run.remediates}, h('code', {}, short(run.remediates)))],
                'round'] : null,
            run.comparisonId ? ['Comparison', h('a', {href: '#trainings/compare/' + run.comparisonId}, 'all models'), 'comparison'] : null,
            run.cancelRequested && !ended(run.status) ? ['Cancel', 'requested'] : null]),
        run.error ? h('div', {class: 'error'}, h('strong', {}, 'Run error'), ' ', run.error) : '',
        h('h3', {}, 'Recall'), recallTable(run.recall), recoveryNote(run.recall), contextsNote(run.recall), retentionNote(run.retention),
        ...(run.evaluateOnly ? [] : [h('h3', {}, 'Loss'), lossChart(run.history || [])]),
        keyValues('Parameters', run.params));
}

function trainedOn(run) {
    if (run.datasetId) return ['dataset ', h('code', {}, short(run.datasetId))];
    if (!run.jobIds?.length) return 'nothing (evaluation)';
    return run.jobIds.flatMap((job, i) => [i ? ', ' : '', h('a', {href: '#jobs/' + job}, h('code', {}, short(job)))]);
}

function back() {
    return backLink('#trainings', 'Training runs');
}
