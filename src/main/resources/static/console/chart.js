// The loss curve of a training run, drawn as inline SVG.

import {h, svg} from './dom.js';
import {fmt, fmtNumber} from './format.js';

/** Tick values at 1, 2 or 5 × 10^n covering [min, max]. */
function ticks(min, max, count = 5) {
    const raw = (max - min) / count;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map(f => f * magnitude).find(s => s >= raw);
    const first = Math.floor(min / step) * step;
    const values = [];
    for (let v = first; v <= max + step * 0.999; v += step) values.push(Number(v.toPrecision(12)));
    return values;
}

/** The training loss as a line (with points when there are few) and the evaluation loss as points, by step. */
export function lossChart(history) {
    const points = history.map((p, i) => ({x: Number(p.step ?? i), loss: p.loss, evalLoss: p.evalLoss}));
    const series = [['loss', 'training loss'], ['evalLoss', 'eval loss']].map(([key, label]) => ({
        key, label, points: points.filter(p => p[key] != null && Number.isFinite(Number(p[key]))).map(p => [p.x, Number(p[key])]),
    })).filter(s => s.points.length);
    if (!series.length) return h('p', {class: 'muted', id: 'loss-chart'}, 'No loss reported yet.');

    const all = series.flatMap(s => s.points);
    let [xMin, xMax] = [Math.min(...all.map(p => p[0])), Math.max(...all.map(p => p[0]))];
    let [yMin, yMax] = [Math.min(...all.map(p => p[1])), Math.max(...all.map(p => p[1]))];
    if (xMax === xMin) xMax = xMin + 1;
    if (yMax === yMin) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
    // The x axis ends at the last step reported; the y axis at round values around the losses.
    const xTicks = ticks(xMin, xMax).filter(v => v <= xMax);
    const yTicks = ticks(yMin, yMax);
    xMin = xTicks[0];
    [yMin, yMax] = [yTicks[0], yTicks.at(-1)];

    const width = 720, height = 280, m = {left: 56, right: 20, top: 20, bottom: 40};
    const x = v => m.left + (v - xMin) / (xMax - xMin) * (width - m.left - m.right);
    const y = v => height - m.bottom - (v - yMin) / (yMax - yMin) * (height - m.top - m.bottom);
    const path = pts => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join('');

    return svg('svg', {id: 'loss-chart', class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
            'aria-label': 'Loss by training step'},
        yTicks.map(v => svg('g', {class: 'grid'},
            svg('line', {x1: m.left, x2: width - m.right, y1: y(v), y2: y(v)}),
            svg('text', {x: m.left - 8, y: y(v) + 4, 'text-anchor': 'end'}, fmtNumber(v)))),
        xTicks.map(v => svg('text', {class: 'axis', x: x(v), y: height - m.bottom + 18, 'text-anchor': 'middle'}, fmt(v))),
        svg('text', {class: 'axis', x: width - m.right, y: height - 6, 'text-anchor': 'end'}, 'step'),
        series.map(s => svg('g', {class: 'series ' + s.key},
            svg('path', {d: path(s.points)}),
            s.points.length <= 60 || s.key === 'evalLoss'
                ? s.points.map(([a, b]) => svg('circle', {cx: x(a), cy: y(b), r: 3}, svg('title', {}, `step ${fmt(a)}: ${fmtNumber(b)}`)))
                : null)),
        series.map((s, i) => svg('g', {class: 'legend series ' + s.key, transform: `translate(${width - m.right - 130},${m.top + i * 18})`},
            svg('line', {x1: 0, x2: 18, y1: 0, y2: 0}),
            svg('text', {x: 24, y: 4}, s.label))));
}

/** The bars of one run in the side-by-side chart: each a label, a CSS class and a share (0–1) or null. */
const BARS = [
    ['before', 'before', r => r.recall?.before],
    ['in context', 'inContext', r => r.recall?.inContext],
    ['after', 'after', r => r.recall?.after],
    ['after · forward', 'forward', r => r.recall?.after?.byDirection?.forward],
    ['after · reverse', 'reverse', r => r.recall?.after?.byDirection?.reverse],
];

/**
 * Runs side by side as grouped bars: recall before, in context and after (and after by direction) on one metric, then
 * retention before → after as two thin bars, so a run that bought recall with forgetting stands out.
 */
export function recallBars(runs, metric) {
    const groups = runs.map(run => ({
        run,
        bars: [...BARS.map(([label, key, pick]) => ({label, key, value: pick(run)?.[metric]})),
            {label: 'retention before', key: 'retentionBefore', value: run.retention?.before},
            {label: 'retention after', key: 'retentionAfter', value: run.retention?.after}],
    }));
    const bar = 14, gap = 26, width = 760, m = {left: 44, right: 12, top: 16, bottom: 86};
    const perGroup = groups[0].bars.length * bar;
    const plotWidth = Math.max(width - m.left - m.right, groups.length * (perGroup + gap));
    const height = 300;
    const y = v => height - m.bottom - v * (height - m.top - m.bottom);
    return svg('svg', {id: 'recall-bars', class: 'chart', viewBox: `0 0 ${m.left + plotWidth + m.right} ${height}`, role: 'img',
            'aria-label': `Recall (${metric}) and retention, run by run`},
        [0, 0.25, 0.5, 0.75, 1].map(v => svg('g', {class: 'grid'},
            svg('line', {x1: m.left, x2: m.left + plotWidth, y1: y(v), y2: y(v)}),
            svg('text', {x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end'}, Math.round(v * 100) + ' %'))),
        groups.map((group, g) => {
            const x0 = m.left + gap / 2 + g * (perGroup + gap);
            return svg('g', {class: 'group', 'data-run': group.run.id},
                group.bars.map((b, i) => b.value == null ? null : svg('rect', {class: 'col ' + b.key, x: x0 + i * bar, y: y(b.value),
                    width: bar - 2, height: y(0) - y(b.value)}, svg('title', {}, `${b.label}: ${Math.round(b.value * 100)} %`))),
                svg('text', {class: 'axis', x: x0 + perGroup / 2, y: height - m.bottom + 16, 'text-anchor': 'middle'},
                    group.run.baseModel.split('/').pop()),
                svg('text', {class: 'axis', x: x0 + perGroup / 2, y: height - m.bottom + 30, 'text-anchor': 'middle'},
                    `round ${group.run.round} · ${group.run.id.slice(0, 8)}`),
                group.run.retention?.flagged ? svg('text', {class: 'axis flagged', x: x0 + perGroup / 2, y: height - m.bottom + 44,
                    'text-anchor': 'middle'}, 'forgetting') : null);
        }),
        groups[0].bars.map((b, i) => svg('g', {class: 'legend', transform: `translate(${m.left + (i % 4) * 180},${height - 28 + Math.floor(i / 4) * 16})`},
            svg('rect', {class: 'col ' + b.key, x: 0, y: -9, width: 12, height: 10}),
            svg('text', {x: 18, y: 0}, b.label))));
}
