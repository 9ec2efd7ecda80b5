// #jobs/<id>: one job's progress, followed live over its event stream until it ends; cancel, retry failed tasks, an
// exam of its test split, downloads, Hub push and the pairs.

import {api, readEvents} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtCost, fmtDuration, fmtPercent, fmtTime, short} from '../format.js';
import {settings} from '../settings.js';
import {isAbort, sleep} from '../wait.js';
import {backLink, badge, errorBox, facts, progressBar, showError, table} from '../widgets.js';
import {downloadCard, hubCard} from './job-exports.js';
import {factsCard} from './job-facts.js';
import {pairsCard} from './job-pairs.js';
import {studySection} from './job-study.js';

export async function mount(element, signal, {id}) {
    const root = h('div', {id: 'job-detail'}, back(), h('p', {class: 'muted'}, 'Loading…'));
    element.append(root);
    let job, setup;
    try {
        [setup, job] = await Promise.all([settings(), api.get(`/api/jobs/${id}`, signal)]);
    } catch (e) {
        if (!isAbort(e)) root.replaceChildren(back(), errorBox(e));
        return;
    }
    const page = parts(job, setup, signal);
    root.replaceChildren(
        back(), page.header, about(job),
        // A model grading its own answers passes what it wrote: say so where the pass rate is read.
        job.judge?.selfJudged ? h('p', {class: 'warning', id: 'self-judged'}, job.judge.warning) : '',
        h('blockquote', {}, job.context),
        page.progress, page.stats, page.rejects, page.batches,
        h('div', {class: 'actions'}, page.cancel, page.retry, page.makeExam), page.actionError,
        h('div', {class: 'columns'}, downloadCard(id, setup), hubCard(id, setup, signal)),
        page.study.element, page.factList?.element || '', page.pairs.element);
    update(page, job);
    follow(page);
}

/** The page of one job: the job as last seen, the parts update() redraws, the action buttons and the cards. */
function parts(job, setup, signal) {
    const page = {
        job, signal, following: false,
        ended: status => setup.jobs.terminalStatuses.includes(status),
        header: h('div', {class: 'section-head'}),
        progress: h('div', {id: 'job-progress'}),
        stats: h('div'),
        rejects: h('div'),
        batches: h('div'),
        actionError: h('div'),
        liveNote: h('span', {class: 'live', hidden: true}, 'live'),
    };
    page.cancel = h('button', {type: 'button', class: 'danger', onclick: () => act(page, 'cancel')}, 'Cancel job');
    page.retry = h('button', {type: 'button', onclick: () => act(page, 'retry-failed')}, 'Retry failed tasks');
    page.makeExam = h('button', {type: 'button', id: 'make-exam', onclick: () => examOfTestSplit(page)},
        'Make an exam of the test split');
    page.pairs = pairsCard(job, setup, signal);
    page.study = studySection(job);
    page.factList = job.coverage ? factsCard(job, signal, fact => page.pairs.showFact(fact.id)) : null;
    return page;
}

/** Strategy, mode, provider and model, judge, creation and the job it tops up. */
function about(job) {
    return h('p', {class: 'muted'}, `${job.strategy} job${job.mode === 'batch' ? ' in batch mode' : ''} · ${job.provider} · ${job.model}`
        + (job.judge ? ` · judged by ${job.judge.model} (${job.judge.provider})` : '') + ` · created ${fmtTime(job.createdAt)}`,
    job.parentJobId ? [' · tops up ', h('a', {href: '#jobs/' + job.parentJobId}, 'job ' + short(job.parentJobId))] : '');
}

function update(page, view) {
    const ended = page.ended;
    // Pairs appear as tasks finish: refresh the list when the job ends, or while it still shows none.
    if ((!ended(page.job.status) && ended(view.status)) || (page.pairs.empty() && view.pairsAccepted > 0)) {
        page.pairs.reload();
        page.factList?.reload();
    }
    page.job = view;
    page.header.replaceChildren(h('h2', {}, 'Job ', h('code', {}, short(view.id)), ' ', badge(view.status), page.liveNote));
    page.progress.replaceChildren(progressBar(view.tasks));
    page.factList?.summarise(view.coverage);
    page.study.update(view);
    page.stats.replaceChildren(facts(figures(view, ended(view.status))));
    page.rejects.replaceChildren(...whyTables(view), view.error ? h('div', {class: 'error'}, h('strong', {}, 'Job error'), ' ', view.error) : '');
    page.batches.replaceChildren(...(view.batches?.length ? [batchesTable(view.batches)] : []));
    const failed = view.tasks?.failed > 0 || view.status === 'FAILED';
    page.cancel.hidden = ended(view.status);
    page.retry.hidden = !failed || view.status === 'CANCELLED';
    page.makeExam.hidden = !ended(view.status);
}

/** The job's figures as tiles; those that do not apply to it (coverage, the judge, leaks) are left out. */
function figures(view, ended) {
    const t = view.tasks || {};
    const judge = view.judge;
    return [
        ['Pairs accepted', fmt(view.pairsAccepted), 'pairsAccepted'],
        view.coverage ? ['Facts covered', `${fmt(view.coverage.covered)} of ${fmt(view.coverage.facts)}`, 'coverage'] : null,
        view.coverage?.nothingToTeach ? ['Chunks with nothing to teach', fmt(view.coverage.nothingToTeach), 'nothingToTeach'] : null,
        judge ? ['Judge passed', judge.passRate == null ? '—' : `${fmtPercent(judge.passRate)} of ${fmt(judge.passed + judge.failed)}`,
            'judgePassRate'] : null,
        view.pairsJudging ? ['Awaiting the judge', fmt(view.pairsJudging), 'pairsJudging'] : null,
        view.leaksRemoved ? ['Test leaks removed', fmt(view.leaksRemoved), 'leaksRemoved'] : null,
        ['Tasks done', fmt(t.done), 'done'], ['Failed', fmt(t.failed), 'failed'],
        ['Pending', fmt((t.pending || 0) + (t.running || 0)), 'pending'],
        ['Prompt tokens', fmt(view.promptTokens), 'promptTokens'],
        ['Completion tokens', fmt(view.completionTokens), 'completionTokens'],
        ['Cost', fmtCost(view.costUsd) + (view.estimate?.priced ? ` of ~${fmtCost(view.estimate.costUsd)}` : ''), 'cost'],
        // what the rest will cost at the rates its finished calls actually cost: shown while it runs
        !ended && view.estimate?.priced ? ['Projected cost', `~${fmtCost(view.projectedCostUsd)}`, 'projectedCost'] : null,
        view.costSplitUsd ? ['Cost split', costSplit(view.costSplitUsd), 'costSplit'] : null,
        ['Elapsed', fmtDuration(view.elapsedSeconds), 'elapsed'],
        ['ETA', ended ? '—' : fmtDuration(view.etaSeconds), 'eta'],
    ];
}

/** Why pairs were rejected (most often first) and why tasks failed; no table where there is nothing to say. */
function whyTables(view) {
    const reasons = Object.entries(view.rejects || {}).sort((a, b) => b[1] - a[1]);
    return [
        ...(reasons.length ? [table({class: 'narrow rejects'}, [
            {title: 'Rejected because', cell: ([reason]) => reason},
            {title: 'Pairs', num: true, cell: ([, count]) => fmt(count)},
        ]).show(reasons)] : []),
        ...(view.failures?.length ? [table({class: 'narrow failures'}, [
            {title: 'Tasks failed because', cell: f => f.reason},
            {title: 'Tasks', num: true, cell: f => fmt(f.tasks)},
        ]).show(view.failures)] : []),
    ];
}

/** A batch-mode job's batches at the provider; a row's tooltip is its error. */
function batchesTable(batches) {
    return table({class: 'narrow batches'}, [
        {title: 'Batch', cell: b => h('code', {}, b.id)},
        {title: 'Status', cell: b => b.status + (b.settled ? '' : ' …')},
        {title: 'Requests', num: true, cell: b => fmt(b.total)},
        {title: 'Completed', num: true, cell: b => fmt(b.completed)},
        {title: 'Failed', num: true, cell: b => fmt(b.failed)},
        {title: 'Created', cell: b => fmtTime(b.createdAt)},
        {title: 'Ended', cell: b => b.completedAt ? fmtTime(b.completedAt) : '—'},
    ], {row: b => ({title: b.error || ''})}).show(batches);
}

/** The held-out test pairs as an exam (each question with its source text), for training runs and comparisons. */
async function examOfTestSplit(page) {
    page.actionError.replaceChildren();
    try {
        const exam = await api.post(`/api/jobs/${page.job.id}/exam`, {});
        page.actionError.replaceChildren(h('p', {class: 'notice'}, 'Exam ', h('a', {href: '#exams/' + exam.id}, exam.name),
            ` made of ${fmt(exam.questionCount)} test pairs.`));
    } catch (e) {
        showError(page.actionError, e);
    }
}

/** Follows the event stream while the job runs; reconnects (every 3 s) when the stream breaks. */
async function follow(page) {
    if (page.following) return;
    page.following = true;
    const {signal, liveNote} = page;
    const url = `/api/jobs/${page.job.id}`;
    try {
        while (!signal.aborted && !page.ended(page.job.status)) {
            try {
                liveNote.hidden = false;
                await readEvents(url + '/events', view => update(page, view), signal);
                update(page, await api.get(url, signal));
            } catch (e) {
                if (isAbort(e)) return;
                liveNote.hidden = true;
                showError(page.actionError, e);
                await sleep(3000, signal);
            }
        }
    } finally {
        liveNote.hidden = true;
        page.following = false;
    }
}

async function act(page, action) {
    page.actionError.replaceChildren();
    try {
        const answer = await api.post(`/api/jobs/${page.job.id}/${action}`);
        update(page, answer.job || answer);
        if (action === 'retry-failed') {
            page.actionError.replaceChildren(h('p', {class: 'notice'}, `${fmt(answer.tasksReset)} tasks queued again.`));
        }
        follow(page);
    } catch (e) {
        showError(page.actionError, e);
    }
}

/** What was paid for: input, cached input, output, less the batch discount. */
function costSplit(split) {
    return `${fmtCost(split.input)} in`
        + (Number(split.cachedInput) > 0 ? ` · ${fmtCost(split.cachedInput)} cached` : '')
        + ` · ${fmtCost(split.output)} out`
        + (Number(split.batchDiscount) > 0 ? ` · −${fmtCost(split.batchDiscount)} batch` : '');
}

function back() {
    return backLink('#jobs', 'Jobs');
}
