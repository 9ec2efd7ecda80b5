// The OCR choices of an upload or a re-extraction: mode (auto, off, force) and Tesseract languages, as the server offers them.

import {h} from '../dom.js';

/** Fields for the OCR mode and languages; values() gives what to send (nothing for a field left at its default). */
export function ocrFields(documentSettings, idPrefix) {
    const mode = h('select', {id: idPrefix + '-ocr', name: 'ocr'},
        documentSettings.ocrModes.map(value => h('option', {value}, value)));
    const languages = h('input', {id: idPrefix + '-ocr-languages', name: 'ocrLanguages', size: 10,
        placeholder: documentSettings.defaultOcrLanguages, title: 'Tesseract languages, e.g. eng+deu'});
    const element = h('div', {class: 'row'},
        h('label', {}, 'OCR ', mode),
        h('label', {}, 'OCR languages ', languages));
    return {
        element,
        values: () => ({ocr: mode.value, ...(languages.value.trim() ? {ocrLanguages: languages.value.trim()} : {})}),
    };
}

/** Pages extracted so far out of all, and how many were read by OCR. */
export function pagesProgress(doc) {
    const share = doc.pages ? doc.pagesDone / doc.pages : 0;
    return h('div', {class: 'progress-wrap', dataset: {progress: doc.id}},
        h('div', {class: 'progress compact', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
            'aria-valuenow': Math.floor(share * 100)}, h('div', {class: 'done', style: `width:${share * 100}%`})),
        h('span', {class: 'progress-label'}, doc.pages ? `page ${doc.pagesDone} of ${doc.pages}` : 'reading…',
            doc.ocrPages ? ` · OCR ${doc.ocrPages} pages` : ''));
}
