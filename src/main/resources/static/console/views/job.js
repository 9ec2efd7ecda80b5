// #jobs/<id>: one job's progress, followed live over its event stream until it ends; cancel, retry failed tasks, an
// exam of its test split, downloads, Hub push and the pairs.

import {api, readEvents} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtCost, fmtDuration, fmtPercent, fmtTime, short} from '../format.js';
import {settings} from '../settings.js';
import {isAbort, sleep} from '../wait.js';
import {backLink, badge, errorBox, facts, progressBar, showError} from '../widgets.js';
import {downloadCard, hubCard} from './job-exports.js';
import {factsCard} from './job-facts.js';
import {pairsCard} from './job-pairs.js';

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
    const ended = status => setup.jobs.terminalStatuses.includes(status);

    const header = h('div', {class: 'section-head'});
    const progress = h('div', {id: 'job-progress'});
    const stats = h('div');
    const rejects = h('div');
    const batches = h('div');
    const actionError = h('div');
    const liveNote = h('span', {class: 'live', hidden: true}, 'live');
    const cancel = h('button', {type: 'button', class: 'danger', onclick: () => act('cancel')}, 'Cancel job');
    const retry = h('button', {type: 'button', onclick: () => act('retry-failed')}, 'Retry failed tasks');
    const makeExam = h('button', {type: 'button', id: 'make-exam', onclick: examOfTestSplit}, 'Make an exam of the test split');
    const pairs = pairsCard(job, setup, signal);
    const factList = job.coverage ? factsCard(job, signal, fact => pairs.showFact(fact.id)) : null;
    let following = false;

    function update(view) {
        // Pairs appear as tasks finish: refresh the list when the job ends, or while it still shows none.
        if ((!ended(job.status) && ended(view.status)) || (pairs.empty() && view.pairsAccepted > 0)) {
            pairs.reload();
            factList?.reload();
        }
        job = view;
        header.replaceChildren(h('h2', {}, 'Job ', h('code', {}, short(view.id)), ' ', badge(view.status), liveNote));
        progress.replaceChildren(progressBar(view.tasks));
        const t = view.tasks || {};
        const judge = view.judge;
        factList?.summarise(view.coverage);
        stats.replaceChildren(facts([
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
            view.costSplitUsd ? ['Cost split', costSplit(view.costSplitUsd), 'costSplit'] : null,
            ['Elapsed', fmtDuration(view.elapsedSeconds), 'elapsed'],
            ['ETA', ended(view.status) ? '—' : fmtDuration(view.etaSeconds), 'eta'],
        ]));
        const reasons = Object.entries(view.rejects || {}).sort((a, b) => b[1] - a[1]);
        rejects.replaceChildren(...(reasons.length ? [h('table', {class: 'data narrow rejects'},
            h('thead', {}, h('tr', {}, h('th', {}, 'Rejected because'), h('th', {class: 'num'}, 'Pairs'))),
            h('tbody', {}, reasons.map(([reason, count]) => h('tr', {}, h('td', {}, reason), h('td', {class: 'num'}, fmt(count))))))]
            : []), ...(view.failures?.length ? [h('table', {class: 'data narrow failures'},
            h('thead', {}, h('tr', {}, h('th', {}, 'Tasks failed because'), h('th', {class: 'num'}, 'Tasks'))),
            h('tbody', {}, view.failures.map(f => h('tr', {}, h('td', {}, f.reason), h('td', {class: 'num'}, fmt(f.tasks))))))]
            : []), view.error ? h('div', {class: 'error'}, h('strong', {}, 'Job error'), ' ', view.error) : '');
        batches.replaceChildren(...(view.batches?.length ? [h('table', {class: 'data narrow batches'},
            h('thead', {}, h('tr', {}, ['Batch', 'Status', 'Requests', 'Completed', 'Failed', 'Created', 'Ended']
                .map((title, i) => h('th', {class: i >= 2 && i <= 4 ? 'num' : ''}, title)))),
            h('tbody', {}, view.batches.map(b => h('tr', {title: b.error || ''}, h('td', {}, h('code', {}, b.id)),
                h('td', {}, b.status + (b.settled ? '' : ' …')), h('td', {class: 'num'}, fmt(b.total)),
                h('td', {class: 'num'}, fmt(b.completed)), h('td', {class: 'num'}, fmt(b.failed)),
                h('td', {}, fmtTime(b.createdAt)), h('td', {}, b.completedAt ? fmtTime(b.completedAt) : '—')))))] : []));
        cancel.hidden = ended(view.status);
        retry.hidden = !(t.failed > 0 || view.status === 'FAILED') || view.status === 'CANCELLED';
        makeExam.hidden = !ended(view.status);
    }

    /** The held-out test pairs as an exam (each question with its source text), for training runs and comparisons. */
    async function examOfTestSplit() {
        actionError.replaceChildren();
        try {
            const exam = await api.post(`/api/jobs/${id}/exam`, {});
            actionError.replaceChildren(h('p', {class: 'notice'}, 'Exam ', h('a', {href: '#exams/' + exam.id}, exam.name),
                ` made of ${fmt(exam.questionCount)} test pairs.`));
        } catch (e) {
            showError(actionError, e);
        }
    }

    /** Follows the event stream while the job runs; reconnects (every 3 s) when the stream breaks. */
    async function follow() {
        if (following) return;
        following = true;
        try {
            while (!signal.aborted && !ended(job.status)) {
                try {
                    liveNote.hidden = false;
                    await readEvents(`/api/jobs/${id}/events`, update, signal);
                    update(await api.get(`/api/jobs/${id}`, signal));
                } catch (e) {
                    if (isAbort(e)) return;
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

    root.replaceChildren(
        back(), header,
        h('p', {class: 'muted'}, `${job.strategy} job${job.mode === 'batch' ? ' in batch mode' : ''} · ${job.provider} · ${job.model}`
            + (job.judge ? ` · judged by ${job.judge.model} (${job.judge.provider})` : '') + ` · created ${fmtTime(job.createdAt)}`,
        job.parentJobId ? [' · tops up ', h('a', {href: '#jobs/' + job.parentJobId}, 'job ' + short(job.parentJobId))] : ''),
        // A model grading its own answers passes what it wrote: say so where the pass rate is read.
        job.judge?.selfJudged ? h('p', {class: 'warning', id: 'self-judged'}, job.judge.warning) : '',
        h('blockquote', {}, job.context),
        progress, stats, rejects, batches,
        h('div', {class: 'actions'}, cancel, retry, makeExam), actionError,
        h('div', {class: 'columns'}, downloadCard(id, setup), hubCard(id, setup, signal)),
        factList?.element || '', pairs.element);
    update(job);
    follow();
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
