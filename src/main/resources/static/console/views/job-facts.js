// A fact job's facts, chunk by chunk, each with its coverage: accepted pairs in each direction against the job's
// target, as two bars. Choosing a fact shows the pairs that test it.

import {api} from '../api.js';
import {h} from '../dom.js';
import {fmt} from '../format.js';
import {isAbort} from '../wait.js';
import {pager, showError} from '../widgets.js';

/** Answers the card's element and reload(); onFact(fact) is called with the fact a user chooses. */
export function factsCard(job, signal, onFact) {
    const target = job.coverage.target;
    const list = h('div', {class: 'fact-list'});
    const pagerEl = h('div', {class: 'pager'});
    const summary = h('p', {class: 'muted'});
    let shown = 0;

    async function load(n) {
        shown = n;
        try {
            const page = await api.get(`/api/jobs/${job.id}/facts?page=${n}&size=20`, signal);
            const rows = [];
            let chunk = null;
            for (const fact of page.content) {
                if (fact.chunkOrdinal !== chunk) {
                    chunk = fact.chunkOrdinal;
                    rows.push(h('h4', {}, `Chunk ${chunk + 1}`));
                }
                rows.push(row(fact));
            }
            list.replaceChildren(...(rows.length ? rows : [h('p', {class: 'muted'}, 'No facts listed yet.')]));
            pager(pagerEl, page, load);
        } catch (e) {
            if (!isAbort(e)) showError(list, e);
        }
    }

    function row(fact) {
        // The forward bar fills at what the target leaves once its reverse phrasings are counted.
        const forwardTarget = Math.max(1, target.phrasings - target.reverse);
        return h('div', {class: 'fact' + (fact.covered ? ' covered' : ''), dataset: {id: fact.id}, tabindex: 0,
            title: 'Show the pairs that test this fact', onclick: () => onFact(fact),
            onkeydown: e => e.key === 'Enter' && onFact(fact)},
        h('p', {}, fact.text),
        bar('forward', fact.forward, forwardTarget),
        target.reverse > 0 || fact.reverse > 0 ? bar('reverse', fact.reverse, Math.max(1, target.reverse)) : '',
        h('span', {class: 'muted'}, fact.covered ? 'covered' : 'below target'));
    }

    function bar(direction, count, wanted) {
        return h('div', {class: 'coverage ' + direction, dataset: {direction}},
            h('span', {class: 'label'}, direction),
            h('div', {class: 'progress compact', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': wanted,
                'aria-valuenow': count}, h('div', {class: 'done', style: `width:${Math.min(1, count / wanted) * 100}%`})),
            h('span', {class: 'count'}, `${fmt(count)} / ${fmt(wanted)}`));
    }

    load(0);
    const element = h('section', {class: 'card', id: 'facts'},
        h('h3', {}, 'Facts'), summary,
        h('p', {class: 'muted'}, `Target: ${fmt(target.phrasings)} accepted phrasings per fact, ${fmt(target.reverse)} of them reverse.`),
        list, pagerEl);
    return {
        element,
        reload: () => load(shown),
        summarise: coverage => summary.replaceChildren(`${fmt(coverage.covered)} of ${fmt(coverage.facts)} facts reached the target.`),
    };
}
