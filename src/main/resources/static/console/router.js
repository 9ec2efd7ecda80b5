// The router: the hash names a view ('#jobs', '#jobs/<id>'); its module is mounted into the page, and unmounted (its
// AbortSignal aborted, which stops its fetches, event streams and timers) when the hash changes.
// Views are imported statically: the whole page is ready when the browser's load event fires.

import {$, $$, h} from './dom.js';
import * as comparison from './views/comparison.js';
import * as dataset from './views/dataset.js';
import * as datasets from './views/datasets.js';
import * as documentDetail from './views/document.js';
import * as documents from './views/documents.js';
import * as exam from './views/exam.js';
import * as exams from './views/exams.js';
import * as jobDetail from './views/job.js';
import * as jobs from './views/jobs.js';
import * as sideBySide from './views/side-by-side.js';
import * as trainingDetail from './views/training.js';
import * as trainings from './views/trainings.js';

/**
 * One line per view: its hash pattern (':name' matches one segment, passed to the view as params.name), a label for
 * views that get a tab of their own, and its module, which exports mount(element, signal, params).
 * A detail view sits under the tab its pattern starts with; an unknown hash shows the first view.
 */
const routes = [
    {path: 'documents', label: 'Documents', view: documents},
    {path: 'documents/:id', view: documentDetail},
    {path: 'jobs', label: 'Jobs', view: jobs},
    {path: 'jobs/:id', view: jobDetail},
    {path: 'datasets', label: 'Datasets', view: datasets},
    {path: 'datasets/:id', view: dataset},
    {path: 'trainings', label: 'Trainings', view: trainings},
    {path: 'trainings/:id', view: trainingDetail},
    {path: 'trainings/compare/:id', view: comparison},
    {path: 'trainings/side-by-side/:ids', view: sideBySide},
    {path: 'exams', label: 'Exams', view: exams},
    {path: 'exams/:id', view: exam},
];

function match(hash) {
    const segments = hash.split('/');
    for (const route of routes) {
        const parts = route.path.split('/');
        if (parts.length !== segments.length) continue;
        const params = {};
        const matches = parts.every((part, i) => {
            if (!part.startsWith(':')) return part === segments[i];
            params[part.slice(1)] = decodeURIComponent(segments[i]);
            return segments[i] !== '';
        });
        if (matches) return {route, params};
    }
    return {route: routes[0], params: {}};
}

let shown = new AbortController();

/** Unmounts the view shown and mounts the one the hash names (the same one again, fresh: a refresh). */
export function show() {
    shown.abort();
    const controller = shown = new AbortController();
    const {route, params} = match(location.hash.slice(1));
    const tab = route.path.split('/')[0];
    for (const link of $$('#tabs a')) link.classList.toggle('active', link.dataset.tab === tab);
    const element = h('section', {class: 'view'});
    $('main').replaceChildren(element);
    window.scrollTo(0, 0);
    route.view.mount(element, controller.signal, params);
}

/** Draws the tabs and shows the view the address names, then follows the hash. */
export function start() {
    $('#tabs').replaceChildren(...routes.filter(route => route.label)
        .map(route => h('a', {href: '#' + route.path, dataset: {tab: route.path}}, route.label)));
    window.addEventListener('hashchange', show);
    show();
}
