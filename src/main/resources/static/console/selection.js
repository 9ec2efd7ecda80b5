// The documents picked for the next job: ticked in the documents list or uploaded, carried to the new-job form.

const ids = new Set();

export const isSelected = id => ids.has(id);
export const selectedCount = () => ids.size;

export function select(id, selected) {
    if (selected) ids.add(id);
    else ids.delete(id);
}
