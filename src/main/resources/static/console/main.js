// qaforge console: one static page over the public API, in native ES modules: no build step, nothing fetched from
// elsewhere. This module wires the header's API token field and starts the router; the views live in views/.

import {onTokenNeeded, setToken, token} from './api.js';
import {$} from './dom.js';
import {show, start} from './router.js';

const field = $('#token');
field.value = token();
field.addEventListener('change', () => {
    setToken(field.value.trim());
    $('.token').classList.remove('needed');
    show();
});
onTokenNeeded(needed => $('.token').classList.toggle('needed', needed));

// A file dropped beside the drop zone must not replace the console with the PDF viewer.
window.addEventListener('dragover', e => e.preventDefault());
window.addEventListener('drop', e => e.preventDefault());

start();
