// What the service accepts and reports (job limits and defaults, providers and models, export and Hub formats,
// statuses), from GET /api/console/settings: the page offers these instead of keeping copies that drift.

import {api} from './api.js';

let loaded;

/** The settings, fetched once and shared; a failed fetch (no token yet, say) is tried again on the next call. */
export function settings() {
    loaded ??= api.get('/api/console/settings').catch(error => {
        loaded = undefined;
        throw error;
    });
    return loaded;
}
