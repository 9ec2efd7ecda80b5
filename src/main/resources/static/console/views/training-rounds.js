// Remediation rounds of a run: recall per round of its lineage, and, on a trained run that completed, *Remediate*:
// the estimate first (missed questions, their facts or chunks, the top-ups' cost), then the next round queued.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtCost, fmtNumber, short} from '../format.js';
import {fmtShare, PHASES} from '../recall.js';
import {isAbort} from '../wait.js';
import {badge, errorBox, showError, table} from '../widgets.js';

export function rounds(run, signal) {
    const element = h('div', {id: 'rounds'});
    api.get(`/api/trainings/${run.id}/rounds`, signal).then(({rounds}) => {
        // A run is remediated once, unless that round failed or was cancelled: then point to it instead.
        const next = rounds.find(r => r.remediates === run.id && !['FAILED', 'CANCELLED'].includes(r.status));
        element.replaceChildren(
            rounds.length > 1 ? roundsTable(rounds, run.id) : '',
            next ? h('p', {id: 'remediated-by'}, `Remediated by round ${next.round}: `, h('a', {href: '#trainings/' + next.runId}, h('code', {}, short(next.runId))))
                : run.status === 'SUCCEEDED' && !run.evaluateOnly ? remediate(run, signal) : '');
    }).catch(e => {
        if (!isAbort(e)) element.replaceChildren(errorBox(e));
    });
    return element;
}

/** One row per round: recall per phase as contained share and mean token F1, and what it trained on. */
function roundsTable(rounds, current) {
    return h('div', {}, h('h3', {}, 'Recall per round'),
        table({id: 'rounds-table', class: 'narrow'}, [
            {title: 'Round', th: true, cell: r => String(r.round)},
            {title: 'Run', cell: r => [h('a', {href: '#trainings/' + r.runId}, h('code', {}, short(r.runId))),
                r.topUpJobIds.length ? h('div', {class: 'muted small'}, '+ top-up ',
                    r.topUpJobIds.flatMap((job, i) => [i ? ', ' : '', h('a', {href: '#jobs/' + job}, h('code', {}, short(job)))])) : '']},
            {title: 'Status', cell: r => badge(r.status)},
            {title: 'Train pairs', num: true, cell: r => fmt(r.trainPairs)},
            PHASES.map(([phase, label]) => ({title: label, num: true, attrs: () => ({dataset: {phase}}), cell: r => r[phase]
                ? `${fmtShare(r[phase].contained)} · F1 ${fmtNumber(r[phase].tokenF1)}` : '—'})),
            {title: 'Recovery', num: true, cell: r => r.recoveryRatio == null ? '—' : r.recoveryRatio.toFixed(2)},
            {title: 'Retention', num: true, head: {title: 'retention exam, closed book: before → after training'},
                attrs: () => ({dataset: {phase: 'retention'}}), cell: r => r.retention?.after == null ? '—'
                    : `${fmtShare(r.retention.before)} → ${fmtShare(r.retention.after)}`},
        ], {row: r => ({dataset: {round: r.round}, class: r.runId === current ? 'current' : null})}).show(rounds),
        h('p', {class: 'muted small'}, 'Each phase: share of questions whose answer contains the reference · mean token F1. '
            + 'Every round answers the same exam. Retention: the general-knowledge questions each round answers before and '
            + 'after its training; a round that buys recall with forgetting shows it there.'));
}

function remediate(run, signal) {
    const slot = h('div');
    const estimate = async () => {
        slot.replaceChildren(h('p', {class: 'muted'}, 'Estimating…'));
        try {
            showEstimate(slot, run, await api.get(`/api/trainings/${run.id}/remediate/estimate`, signal));
        } catch (e) {
            if (!isAbort(e)) showError(slot, e);
        }
    };
    return h('div', {class: 'card', id: 'remediate'}, h('h3', {}, 'Remediate'),
        h('p', {class: 'muted'}, 'Generate more pairs for exactly the facts (or chunks) behind the questions this run missed, '
            + 'then train the next round from the same base model on everything, on the same exam.'),
        h('button', {type: 'button', id: 'remediate-estimate', onclick: estimate}, 'Remediate…'), slot);
}

function showEstimate(slot, run, plan) {
    const result = h('div');
    const form = h('form', {id: 'remediate-form', onsubmit: async e => {
        e.preventDefault();
        const budget = form.elements.maxCostUsd.value.trim();
        try {
            const queued = await api.post(`/api/trainings/${run.id}/remediate`, budget ? {maxCostUsd: Number(budget)} : {});
            location.hash = '#trainings/' + queued.trainingRunId;
        } catch (error) {
            showError(result, error);
        }
    }},
    h('p', {id: 'remediate-summary'}, `Missed ${fmt(plan.missed)} of ${fmt(plan.scored)} questions answered`,
        plan.noSource ? ` (${fmt(plan.noSource)} name no fact or pair of the run's jobs and are left out)` : '',
        `: round ${plan.round} tops up ${count(plan.facts, 'fact')} and ${count(plan.chunks, 'chunk')} in ${count(plan.topUps.length, 'job')}, `
            + `about ${count(plan.topUps.reduce((n, t) => n + t.estimate.requests, 0), 'request')}, `
            + (plan.priced ? fmtCost(plan.costUsd) : 'cost unknown (no price for a model)') + '.'),
    h('p', {class: 'muted small'}, 'Missed: ' + plan.missedRule + '.'),
    h('div', {class: 'row'},
        h('label', {}, 'Budget (USD) ', h('input', {name: 'maxCostUsd', type: 'number', min: '0', step: 'any', size: 8,
            placeholder: 'none'})),
        h('button', {type: 'submit', id: 'remediate-queue'}, `Queue round ${plan.round}`)),
    result);
    slot.replaceChildren(form);
}

const count = (n, noun) => `${fmt(n)} ${noun}${n === 1 ? '' : 's'}`;
