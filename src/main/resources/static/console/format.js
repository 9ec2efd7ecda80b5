// How numbers, sizes, times and ids read on the page.

const numbers = new Intl.NumberFormat('en');

export const fmt = n => n == null ? '—' : numbers.format(n);
export const fmtCost = usd => usd == null ? '—' : '$' + Number(usd).toFixed(Number(usd) < 1 ? 4 : 2);
export const fmtPercent = x => Math.floor(x * 100) + ' %';
export const short = id => String(id).slice(0, 8);

export function fmtBytes(bytes) {
    if (bytes == null) return '—';
    const units = ['B', 'KB', 'MB', 'GB'];
    let i = 0;
    for (; bytes >= 1024 && i < units.length - 1; i++) bytes /= 1024;
    return (i === 0 ? bytes : bytes.toFixed(1)) + ' ' + units[i];
}

export function fmtDuration(seconds) {
    if (seconds == null) return '—';
    const s = Math.round(seconds);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${s % 60} s`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtTime(iso) {
    return iso ? new Date(iso).toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'}) : '—';
}

/** Four significant digits at most, for losses and temperatures. */
export function fmtNumber(x) {
    if (x == null || x === '') return '—';
    const n = Number(x);
    return Number.isFinite(n) ? String(Number(n.toPrecision(4))) : String(x);
}

export function fmtPages(from, to) {
    return from === to ? `page ${from}` : `pages ${from}–${to}`;
}

/** "step / total steps" from a training run's latest progress. */
export function fmtStep(progress) {
    return progress?.step == null ? '—' : fmt(progress.step) + (progress.totalSteps ? ' / ' + fmt(progress.totalSteps) : '');
}
