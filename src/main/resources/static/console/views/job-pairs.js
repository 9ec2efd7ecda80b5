// The job view's pairs: filtered by split, temperature, variant, chunk, fact and accepted/rejected, twenty at a time,
// each with the facts it tests, its direction and the judge's verdict, and the selected pair's source chunk beside them.

import {api} from '../api.js';
import {$$, h} from '../dom.js';
import {fmt, fmtNumber, fmtPages} from '../format.js';
import {isAbort} from '../wait.js';
import {pager, showError, table} from '../widgets.js';

/** Answers the card's element, reload() to show the first page again, and empty() when the last load found none. */
export function pairsCard(job, {exports}, signal) {
    const filters = filtersForm(job, exports, () => load(0));
    const pairs = pairsTable(onlyChunk, choose);
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
            pairs.show(page.content);
            pager(pagerEl, page, load);
            pairs.element.querySelector('tr.pair')?.click();
        } catch (e) {
            if (!isAbort(e)) showError(slot, e);
        }
    }

    function onlyChunk(pair) {
        filters.elements.chunkId.value = pair.chunkId;
        load(0);
    }

    async function choose(pair, tr) {
        $$('tr.selected', pairs.element).forEach(r => r.classList.remove('selected'));
        tr.classList.add('selected');
        try {
            showSource(source, pair, await sourceChunk(pair, chunks, signal));
        } catch (e) {
            if (!isAbort(e)) showError(source, e);
        }
    }

    /** Only the pairs that test this fact, accepted and rejected. */
    function showFact(factId) {
        filters.elements.factId.value = factId;
        filters.elements.rejected.value = '';
        load(0);
        element.scrollIntoView();
    }

    load(0);
    const element = h('section', {class: 'card', id: 'pairs'},
        h('h3', {}, 'Pairs'), filters, slot,
        h('div', {class: 'pairs-layout'}, h('div', {}, pairs.element, pagerEl), source));
    return {element, reload: () => load(0), empty: () => shown === 0, showFact};
}

/** The filters; changing one (or Refresh) calls load(). */
function filtersForm(job, exports, load) {
    const params = job.params || {};
    const select = (name, label, values) => h('label', {}, label + ' ', h('select', {name},
        h('option', {value: ''}, 'all'), values.map(v => h('option', {value: v}, v))));
    return h('form', {class: 'filters row', onchange: load, onsubmit: e => {
        e.preventDefault();
        load();
    }},
    // A pair's split is one of the export's splits other than 'all'.
    select('split', 'Split', exports.splits.filter(split => split !== 'all')),
    select('temperature', 'Temperature', (params.temperatures || []).map(String)),
    select('variant', 'Variant', params.variants || []),
    h('label', {}, 'Chunk id ', h('input', {name: 'chunkId', type: 'number', min: 0, size: 8, placeholder: 'all'})),
    job.coverage ? h('label', {}, 'Fact id ', h('input', {name: 'factId', type: 'number', size: 8, placeholder: 'all'})) : '',
    h('label', {}, 'Show ', h('select', {name: 'rejected'},
        h('option', {value: 'false'}, 'accepted'), h('option', {value: 'true'}, 'rejected'), h('option', {value: ''}, 'both'))),
    h('button', {type: 'submit'}, 'Refresh'));
}

/** A pair per row, chosen by click or Enter; its chunk's link shows only that chunk's pairs. */
function pairsTable(onlyChunk, choose) {
    return table({class: 'pairs'}, [
        {title: 'Question / answer', cell: pair => [h('div', {class: 'q'}, pair.question), h('div', {class: 'a'}, pair.answer),
            pair.factIds ? h('div', {class: 'muted'}, (pair.factIds.length > 1 ? 'facts ' : 'fact ') + pair.factIds.join(', ')
                + (pair.direction ? ' · ' + pair.direction : '')) : null,
            pair.judgeVerdict ? h('div', {class: 'verdict verdict-' + pair.judgeVerdict}, verdict(pair)) : null,
            pair.rejectedReason ? h('div', {class: 'reject'}, 'rejected: ' + pair.rejectedReason) : null]},
        {title: 'Temp.', num: true, cell: pair => fmtNumber(pair.temperature)},
        {title: 'Variant', cell: pair => pair.variant},
        {title: 'Split', cell: pair => pair.split},
        {title: 'Chunk', num: true, cell: pair => h('a', {href: '', title: `Only this chunk (id ${pair.chunkId})`, onclick: e => {
            e.preventDefault();
            onlyChunk(pair);
        }}, '#' + (pair.chunkOrdinal + 1))},
    ], {
        row: pair => ({class: 'pair', tabindex: 0, dataset: {id: pair.id}, onclick: e => choose(pair, e.currentTarget),
            onkeydown: e => e.key === 'Enter' && choose(pair, e.currentTarget)}),
        empty: 'No pairs match.',
    });
}

/** The judge's verdict as a reader takes it in: pass or fail, with what failed and its score. */
function verdict(pair) {
    const s = pair.judgeScores || {};
    if (pair.judgeVerdict === 'pending') return 'judge: awaiting verdict';
    if (pair.judgeVerdict === 'none') return 'judge: no verdict given';
    const failed = [['supported', 'not supported'], ['selfContained', 'not self-contained'], ['aboutDocument', 'off topic']]
        .filter(([key]) => s[key] === false).map(([, label]) => label);
    return `judge: ${pair.judgeVerdict}` + (failed.length ? ' (' + failed.join(', ') + ')' : '') + (s.score ? ` · score ${s.score}/5` : '');
}

function showSource(source, pair, chunk) {
    source.replaceChildren(h('h4', {}, chunk ? `Source: chunk ${chunk.ordinal + 1}` : 'Source chunk'),
        h('p', {class: 'muted'}, fmtPages(pair.pageFrom, pair.pageTo) + (chunk ? ` · ${fmt(chunk.tokens)} tokens` : '')),
        chunk ? h('p', {class: 'chunk-text'}, chunk.text) : h('p', {class: 'muted'}, 'The chunk is no longer stored.'));
}

/** The pair's chunk (its document's chunk at the pair's chunk ordinal), fetched once per job page. */
async function sourceChunk(pair, chunks, signal) {
    if (!chunks.has(pair.chunkId)) {
        const page = await api.get(`/api/documents/${pair.documentId}/chunks?page=${pair.chunkOrdinal}&size=1`, signal);
        page.content.forEach(chunk => chunks.set(chunk.id, chunk));
    }
    return chunks.get(pair.chunkId);
}
