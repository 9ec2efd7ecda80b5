// Building and finding elements.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Builds an element: attributes (on* become listeners; null/false are left out) and children (nodes or text). */
export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value == null || value === false) continue;
        if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
        else if (key === 'class') el.className = value;
        else if (key === 'dataset') Object.assign(el.dataset, value);
        else el.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
        if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
    }
    return el;
}

/** The same for SVG. */
export function svg(tag, attrs, ...children) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value != null) el.setAttribute(key, value);
    }
    for (const child of children.flat()) {
        if (child != null) el.append(child instanceof Node ? child : String(child));
    }
    return el;
}
