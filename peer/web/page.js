// What the nodes' pages share: writing figures as text (never as markup:
// names and messages come from strangers) and keeping short logs.
'use strict';

const $ = (id) => document.getElementById(id);
const KEEP = 50;  // lines kept in each log

// Shows `value` in element `id`, or a dash when there is none.
function setText(id, value) {
  const el = $(id);
  const text = value === null || value === undefined || value === '' ? '–' : String(value);
  if (el.textContent !== text) el.textContent = text;
}

// Adds a line at the top of `list`, keeping the newest KEEP.
function prepend(list, text) {
  const li = document.createElement('li');
  li.textContent = text;
  list.insertBefore(li, list.firstChild);
  while (list.children.length > KEEP) list.removeChild(list.lastChild);
}
