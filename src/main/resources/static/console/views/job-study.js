// A job's study passages and the diversity of its accepted text: how many passages passed, why the others were
// rejected, how faithful the judge found them and what they cost; the language it writes in; a download of the
// passages (the API offers them as an export, not as a page to browse).

import {download} from '../api.js';
import {h} from '../dom.js';
import {fmt, fmtCost, fmtNumber, fmtPercent, short} from '../format.js';
import {facts, showError, table} from '../widgets.js';

/** Answers the section's element and update(view), which redraws it from a job view. */
export function studySection(job) {
    const figures = h('div');
    const rejects = h('div');
    const diversity = h('div');
    const element = h('section', {class: 'card', id: 'job-study'},
        h('h3', {}, 'Study passages'), h('p', {class: 'muted', id: 'job-language'}, languageNote(job)),
        figures, rejects, diversity, job.study ? passagesDownload(job.id) : '');
    return {
        element,
        update: view => {
            figures.replaceChildren(view.study ? facts(studyFigures(view.study))
                : h('p', {class: 'muted'}, 'This job writes no study passages.'));
            rejects.replaceChildren(view.study ? rejectsTable(view.study.rejects) : '');
            diversity.replaceChildren(view.diversity ? diversityTable(view.diversity) : '');
        },
    };
}

/** The language the job asked for, or that each document's own is detected. */
function languageNote(job) {
    const code = job.params?.language;
    return code ? ['Written in ', h('strong', {}, code), ' (the job\'s language).']
        : 'Written in each document\'s own language, as detected.';
}

function studyFigures(study) {
    return [
        ['Passages accepted', fmt(study.accepted), 'studyAccepted'],
        study.judging ? ['Passages awaiting the judge', fmt(study.judging), 'studyJudging'] : null,
        ['Passages rejected', fmt(Object.values(study.rejects || {}).reduce((a, b) => a + b, 0)), 'studyRejected'],
        ['Mean faithfulness', study.faithfulness == null ? '—' : fmtPercent(study.faithfulness), 'studyFaithfulness'],
        ['Study calls', fmt(study.calls), 'studyCalls'],
        ['Study cost', fmtCost(study.costUsd), 'studyCost'],
    ];
}

/** Why passages were rejected, most often first; nothing where none was. */
function rejectsTable(rejects) {
    const reasons = Object.entries(rejects || {}).sort((a, b) => b[1] - a[1]);
    return reasons.length ? table({class: 'narrow study-rejects'}, [
        {title: 'Passage rejected because', cell: ([reason]) => reason},
        {title: 'Passages', num: true, cell: ([, count]) => fmt(count)},
    ]).show(reasons) : '';
}

/** Pairs and passages apart: distinct words and word pairs (higher: more varied), compression (higher: more repetitive). */
function diversityTable(figures) {
    const rows = [['Pairs', figures.pairs], ['Passages', figures.passages]].filter(([, figure]) => figure);
    return table({class: 'narrow diversity'}, [
        {title: 'Diversity', cell: ([name]) => name},
        {title: 'Texts', num: true, cell: ([, f]) => fmt(f.texts)},
        {title: 'Words', num: true, cell: ([, f]) => fmt(f.words)},
        {title: 'Distinct words', num: true, cell: ([, f]) => fmtNumber(f.distinct1)},
        {title: 'Distinct word pairs', num: true, cell: ([, f]) => fmtNumber(f.distinct2)},
        {title: 'Compression ratio', num: true, cell: ([, f]) => fmtNumber(f.compression)},
    ], {row: ([name]) => ({dataset: {text: name.toLowerCase()}})}).show(rows);
}

/** The accepted passages as JSONL text rows: the way to read them, as no page of passages is served. */
function passagesDownload(jobId) {
    const slot = h('span');
    const button = h('button', {type: 'button', id: 'download-passages', onclick: async () => {
        slot.replaceChildren();
        button.disabled = true;
        try {
            const name = await download(`/api/jobs/${jobId}/documents?format=jsonl`, `qaforge-documents-${short(jobId)}.jsonl`);
            slot.replaceChildren(h('span', {class: 'notice'}, ' Saved ' + name));
        } catch (e) {
            showError(slot, e);
        } finally {
            button.disabled = false;
        }
    }}, 'Download the passages (JSONL)');
    return h('div', {class: 'actions'}, button, slot);
}
