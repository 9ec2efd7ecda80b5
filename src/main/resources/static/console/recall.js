// Recall as the worker measures it: per phase (before / in context / after) the share of questions answered right by
// each metric, by direction, and the recovery ratio. Used by a run's page, a comparison and the remediation rounds.

import {h} from './dom.js';
import {fmt} from './format.js';
import {table} from './widgets.js';

export const PHASES = [['before', 'Before (closed book)'], ['inContext', 'In context'], ['after', 'After (adapter, closed book)']];
export const METRICS = [['keyFacts', 'Key facts'], ['exactMatch', 'Exact match'], ['tokenF1', 'Token F1'], ['contained', 'Contained'], ['judge', 'Judge']];

/** A share (0–1) as a percentage with no decimals; a missing one as a dash. */
export const fmtShare = x => x == null ? '—' : Math.round(x * 100) + ' %';

/** One row per phase the run has, one column per metric; rows by direction under each phase. */
export function recallTable(recall, id = 'recall-table') {
    const rows = [];
    for (const [phase, label] of PHASES) {
        const rates = recall?.[phase];
        if (!rates) continue;
        rows.push({label, rates, name: phase});
        for (const [direction, byDirection] of Object.entries(rates.byDirection || {})) {
            rows.push({label: '  ' + direction, rates: byDirection, name: phase + '-' + direction, sub: true});
        }
    }
    if (!rows.length) return h('p', {class: 'muted'}, 'No recall measured yet.');
    return table({id, class: 'narrow recall'}, [
        {title: 'Phase', th: true, cell: r => r.label},
        {title: 'Questions', num: true, cell: r => fmt(r.rates.questions)},
        METRICS.map(([metric, label]) => ({title: label, num: true, attrs: () => ({dataset: {metric}}), cell: r => fmtShare(r.rates[metric])})),
    ], {row: r => ({class: r.sub ? 'sub' : null, dataset: {phase: r.name}})}).show(rows);
}

/** The retention exam before and after training, and a warning when the drop passes the service's threshold. */
export function retentionNote(retention) {
    if (!retention) return '';
    const points = x => Math.round(x * 100);
    return h('p', {id: 'retention', class: retention.flagged ? 'error' : null},
        retention.flagged ? h('strong', {}, 'Forgetting') : 'Retention',
        ` (${retention.examName}, closed book, unrelated to the documents): `,
        retention.drop == null ? 'not measured yet'
            : [h('strong', {}, `${fmtShare(retention.before)} → ${fmtShare(retention.after)}`),
                ` (${retention.drop > 0 ? '−' : '+'}${Math.abs(points(retention.drop))} points)`,
                retention.flagged ? `, more than the ${points(retention.threshold)}-point warning: training cost the model what it knew` : '']);
}

/**
 * How the in-context prompts met the model's window, when they did not all fit: retrieved contexts cut to their best
 * passages, and contexts too long to ask at all (those questions have no ceiling).
 */
export function contextsNote(recall) {
    const contexts = recall?.inContext?.contexts;
    if (!contexts?.cut && !contexts?.dropped) return '';
    const questions = n => `${fmt(n)} question${n === 1 ? '' : 's'}`;
    return h('p', {id: 'contexts', class: 'muted'}, `In context, the model's ${fmt(contexts.window)}-token window (less `,
        `${fmt(contexts.answerTokens)} for the answer) held less than the service gave: `,
        [contexts.cut ? `${questions(contexts.cut)} asked on the best retrieved passages that fit` : null,
            contexts.dropped ? `${questions(contexts.dropped)} without a ceiling (the text does not fit)` : null]
            .filter(Boolean).join('; '), '.');
}

/** "(after − before) / (in context − before)" on the metric the worker names (key facts), the other metrics' ratios beside it. */
export function recoveryNote(recall) {
    if (!recall || !('recoveryRatio' in recall)) return '';
    const by = Object.entries(recall.recoveryRatioBy || {}).filter(([, v]) => v != null)
        .map(([metric, v]) => `${metric} ${v.toFixed(2)}`).join(' · ');
    const on = recall.recoveryRatioMetric ? ` on ${recall.recoveryRatioMetric}` : '';
    return h('p', {id: 'recovery-ratio'}, `Recovery ratio (after − before) / (in context − before)${on}: `,
        h('strong', {}, recall.recoveryRatio == null ? 'n/a (in context is no better than before)' : recall.recoveryRatio.toFixed(2)),
        by ? h('span', {class: 'muted'}, ' · ' + by) : '');
}
