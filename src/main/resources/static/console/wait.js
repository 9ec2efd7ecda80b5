// Waiting that stops when a view is left: every delay and loop takes the view's AbortSignal.

/** Resolves after ms, or at once when the signal aborts (the timer is cleared, not left to fire). */
export function sleep(ms, signal) {
    return new Promise(resolve => {
        if (signal.aborted) return resolve();
        const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done);
    });
}

/** Runs step now and again every ms while it answers true, until the signal aborts. */
export async function poll(ms, signal, step) {
    while (!signal.aborted && await step()) {
        await sleep(ms, signal);
    }
}

/** Whether a failure is only the view being left (an aborted fetch), which nobody needs to hear about. */
export const isAbort = error => error?.name === 'AbortError';
