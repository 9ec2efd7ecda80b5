// Pieces several views show: errors, pagers, tables, badges, fact tiles, progress bars.

import {ApiError} from './api.js';
import {h} from './dom.js';
import {fmt, fmtNumber, fmtPercent} from './format.js';

/** A failure as the problem's title in bold followed by its detail. */
export function errorBox(error) {
    const title = error instanceof ApiError ? error.title : 'Something went wrong';
    const detail = error instanceof ApiError ? error.detail : error.message;
    return h('div', {class: 'error', role: 'alert'}, h('strong', {}, title), detail ? ' ' + detail : '');
}

export function showError(slot, error) {
    slot.replaceChildren(errorBox(error));
}

export function backLink(hash, label) {
    return h('a', {class: 'back', href: hash}, '← ' + label);
}

/** Previous/next buttons for a Spring Data page; go(n) shows page n. Empty when everything fits on one page. */
export function pager(el, page, go) {
    const {number, totalPages, totalElements} = page.page || page;
    if (totalPages <= 1) {
        el.replaceChildren();
        return;
    }
    el.replaceChildren(
        h('button', {type: 'button', disabled: number === 0, onclick: () => go(number - 1)}, '‹ Previous'),
        h('span', {}, `Page ${number + 1} of ${fmt(totalPages)} · ${fmt(totalElements)} in all`),
        h('button', {type: 'button', disabled: number + 1 >= totalPages, onclick: () => go(number + 1)}, 'Next ›'));
}

/**
 * The console's one table (class "data", and attrs' own): a row per item, a cell per column. A column is
 * {title, cell, num, th, head, attrs}: cell(item) its content, num right-aligns figures, th makes the cell its row's
 * heading, head holds the heading's own attributes, attrs(item) the cell's. Nested arrays of columns are flattened,
 * and with no titles there is no heading row. row(item) gives a row's attributes; empty, the line shown instead of
 * no rows. Answers the element and show(items), which fills the body (again) and answers the element.
 */
export function table(attrs, columns, {row = () => ({}), empty} = {}) {
    const cols = columns.flat(Infinity);
    const body = h('tbody');
    const element = h('table', {...attrs, class: classes('data', attrs.class)},
        cols.some(c => c.title != null) ? h('thead', {}, h('tr', {}, cols.map(c =>
            h('th', {...c.head, class: classes(c.num && 'num', c.head?.class)}, c.title)))) : '',
        body);
    const cells = item => cols.map(c => {
        const own = c.attrs?.(item) || {};
        return h(c.th ? 'th' : 'td', {...own, class: classes(c.num && 'num', own.class)}, [c.cell(item)].flat(Infinity));
    });
    function show(items) {
        body.replaceChildren(...(items.length || empty == null ? items.map(item => h('tr', row(item), cells(item)))
            : [h('tr', {class: 'empty'}, h('td', {colspan: cols.length}, empty))]));
        return element;
    }
    return {element, show};
}

const classes = (...names) => names.filter(Boolean).join(' ') || null;

export function badge(status) {
    return h('span', {class: 'badge status-' + String(status).toLowerCase()}, String(status).replaceAll('_', ' ').toLowerCase());
}

/** Labelled values as tiles; a third element names the tile (data-fact) for tests and styles; null entries are skipped. */
export function facts(entries) {
    return h('dl', {class: 'facts'}, entries.filter(Boolean).map(([label, value, name]) =>
        h('div', {dataset: name ? {fact: name} : {}}, h('dt', {}, label), h('dd', {}, value))));
}

/** A small table of a map's keys and values (objects as JSON); nothing when the map is empty. */
export function keyValues(title, map) {
    const entries = Object.entries(map || {});
    if (!entries.length) return '';
    return h('div', {}, h('h3', {}, title), table({class: 'narrow'}, [{th: true, cell: ([key]) => key},
        {cell: ([, value]) => typeof value === 'object' ? JSON.stringify(value) : fmtNumber(value)}]).show(entries));
}

/** Tasks finished (done, and failed after their last attempt) out of all, as a bar with a label. */
export function progressBar(tasks, compact) {
    const total = tasks?.total || 0;
    const done = tasks?.done || 0;
    const failed = tasks?.failed || 0;
    const share = total ? (done + failed) / total : 0;
    const bar = h('div', {class: 'progress' + (compact ? ' compact' : ''), role: 'progressbar', 'aria-valuemin': 0,
            'aria-valuemax': 100, 'aria-valuenow': Math.floor(share * 100)},
        h('div', {class: 'done', style: `width:${total ? done / total * 100 : 0}%`}),
        h('div', {class: 'failed', style: `width:${total ? failed / total * 100 : 0}%`}));
    const label = compact ? fmtPercent(share)
        : `${fmtPercent(share)} · ${fmt(done + failed)} of ${fmt(total)} tasks`
            + [[failed, 'failed'], [tasks?.cancelled, 'cancelled']].filter(([n]) => n > 0).map(([n, what]) => ` · ${fmt(n)} ${what}`).join('');
    return h('div', {class: 'progress-wrap'}, bar, h('span', {class: 'progress-label'}, label));
}
