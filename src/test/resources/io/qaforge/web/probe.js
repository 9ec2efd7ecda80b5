// Installed before the console's own scripts (ConsoleTest.everyViewMountsAndUnmountsWithoutLeaks): keeps count of what
// a view leaves running.
// window.probe.timers: timeouts and intervals set and not yet fired or cleared;
// window.probe.streams: fetch answers whose body is neither read to the end nor cancelled (an event stream, say);
// window.probe.errors: uncaught exceptions, unhandled rejections and elements that failed to load.
(() => {
    const probe = window.probe = {timers: new Set(), streams: new Set(), errors: []};

    const {setTimeout, clearTimeout, setInterval, clearInterval, fetch} = window;
    window.setTimeout = (handler, ms, ...args) => {
        const id = setTimeout((...a) => {
            probe.timers.delete(id);
            handler(...a);
        }, ms, ...args);
        probe.timers.add(id);
        return id;
    };
    window.clearTimeout = id => {
        probe.timers.delete(id);
        clearTimeout(id);
    };
    window.setInterval = (...args) => {
        const id = setInterval(...args);
        probe.timers.add(id);
        return id;
    };
    window.clearInterval = id => {
        probe.timers.delete(id);
        clearInterval(id);
    };

    let count = 0;
    window.fetch = async (resource, init) => {
        const response = await fetch(resource, init);
        if (!response.body) return response;
        const key = `${++count} ${resource}`;
        const reader = response.body.getReader();
        const closed = () => probe.streams.delete(key);
        probe.streams.add(key);
        const body = new ReadableStream({
            async pull(controller) {
                try {
                    const {value, done} = await reader.read();
                    if (done) {
                        closed();
                        controller.close();
                    } else {
                        controller.enqueue(value);
                    }
                } catch (e) {
                    closed();
                    controller.error(e);
                }
            },
            cancel(reason) {
                closed();
                return reader.cancel(reason);
            },
        });
        return new Response(body, {status: response.status, statusText: response.statusText, headers: response.headers});
    };

    window.addEventListener('error', e => probe.errors.push(e.message || `${e.target?.src || e.target?.href} failed to load`), true);
    window.addEventListener('unhandledrejection', e => probe.errors.push('unhandled rejection: ' + (e.reason?.stack || e.reason)));
})();
