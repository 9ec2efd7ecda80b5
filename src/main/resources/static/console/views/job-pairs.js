// The job view's pairs: filtered by split, temperature, variant, chunk, fact and accepted/rejected, twenty at a time,
// each with the facts it tests, its direction and the judge's verdict, and the selected pair's source chunk beside them.

import {api} from '../api.js';
import {$$, h} from '../dom.js';
import {fmt, fmtNumber, fmtPages} from '../format.js';
import {isAbort} from '../wait.js';
import {pager, rowsOrEmpty, showError} from '../widgets.js';

/** Answers the card's element, reload() to show the first page again, and empty() when the last load found none. */
export function pairsCard(job, {exports}, signal) {
    const params = job.params || {};
    const select = (name, label, values) => h('label', {}, label + ' ', h('select', {name},
        h('option', {value: ''}, 'all'), values.map(v => h('option', {value: v}, v))));
    const filters = h('form', {class: 'filters row', onchange: () => load(0), onsubmit: e => {
        e.preventDefault();
        load(0);
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
    const tbody = h('tbody');
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
            tbody.replaceChildren(...rowsOrEmpty(page.content.map(row), 5, 'No pairs match.'));
            pager(pagerEl, page, load);
            tbody.querySelector('tr.pair')?.click();
        } catch (e) {
            if (!isAbort(e)) showError(slot, e);
        }
    }

    function row(pair) {
        const onlyThisChunk = e => {
            e.preventDefault();
            filters.elements.chunkId.value = pair.chunkId;
            load(0);
        };
        const tr = h('tr', {class: 'pair', tabindex: 0, dataset: {id: pair.id},
            onclick: () => choose(pair, tr), onkeydown: e => e.key === 'Enter' && choose(pair, tr)},
        h('td', {}, h('div', {class: 'q'}, pair.question), h('div', {class: 'a'}, pair.answer),
            pair.factIds ? h('div', {class: 'muted'}, (pair.factIds.length > 1 ? 'facts ' : 'fact ') + pair.factIds.join(', ')
                + (pair.direction ? ' · ' + pair.direction : '')) : null,
            pair.judgeVerdict ? h('div', {class: 'verdict verdict-' + pair.judgeVerdict}, verdict(pair)) : null,
            pair.rejectedReason ? h('div', {class: 'reject'}, 'rejected: ' + pair.rejectedReason) : null),
        h('td', {class: 'num'}, fmtNumber(pair.temperature)),
        h('td', {}, pair.variant),
        h('td', {}, pair.split),
        h('td', {class: 'num'}, h('a', {href: '', title: `Only this chunk (id ${pair.chunkId})`, onclick: onlyThisChunk},
            '#' + (pair.chunkOrdinal + 1))));
        return tr;
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

    async function choose(pair, tr) {
        $$('tr.selected', tbody).forEach(r => r.classList.remove('selected'));
        tr.classList.add('selected');
        try {
            const chunk = await sourceChunk(pair);
            source.replaceChildren(h('h4', {}, chunk ? `Source: chunk ${chunk.ordinal + 1}` : 'Source chunk'),
                h('p', {class: 'muted'}, fmtPages(pair.pageFrom, pair.pageTo) + (chunk ? ` · ${fmt(chunk.tokens)} tokens` : '')),
                chunk ? h('p', {class: 'chunk-text'}, chunk.text) : h('p', {class: 'muted'}, 'The chunk is no longer stored.'));
        } catch (e) {
            if (!isAbort(e)) showError(source, e);
        }
    }

    /** The pair's chunk (its document's chunk at the pair's chunk ordinal), fetched once per job page. */
    async function sourceChunk(pair) {
        if (!chunks.has(pair.chunkId)) {
            const page = await api.get(`/api/documents/${pair.documentId}/chunks?page=${pair.chunkOrdinal}&size=1`, signal);
            page.content.forEach(chunk => chunks.set(chunk.id, chunk));
        }
        return chunks.get(pair.chunkId);
    }

    load(0);
    const element = h('section', {class: 'card', id: 'pairs'},
        h('h3', {}, 'Pairs'), filters, slot,
        h('div', {class: 'pairs-layout'},
            h('div', {}, h('table', {class: 'data pairs'},
                h('thead', {}, h('tr', {}, h('th', {}, 'Question / answer'), h('th', {class: 'num'}, 'Temp.'),
                    h('th', {}, 'Variant'), h('th', {}, 'Split'), h('th', {class: 'num'}, 'Chunk'))),
                tbody), pagerEl),
            source));
    /** Only the pairs that test this fact, accepted and rejected. */
    function showFact(factId) {
        filters.elements.factId.value = factId;
        filters.elements.rejected.value = '';
        load(0);
        element.scrollIntoView();
    }

    return {element, reload: () => load(0), empty: () => shown === 0, showFact};
}
