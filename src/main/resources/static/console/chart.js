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
