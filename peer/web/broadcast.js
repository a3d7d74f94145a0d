// The broadcasting node's status page: its figures and each viewer's
// contract, as they arrive over server-sent events (never polled).
'use strict';

// Uses page.js ($, setText, prepend) and names.js, loaded before it.

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = String(text);
  if (className) td.className = className;
  return td;
}

function showState(s) {
  document.title = 'tollstream · broadcasting ' + s.stream;
  setText('stream', s.stream);
  setText('code', s.code);
  setText('viewers', s.viewers);
  setText('contracts', s.contracts);
  setText('segments-sold', s.segments_sold);
  setText('segments-served', s.segments_served);
  setText('earned', s.earned);
  setText('owed', s.owed);
  setText('receipts-rejected', s.receipts_rejected);
  setText('income-balance', s.income_balance);
  setText('price', s.price);
  setText('income-address', addressText(s.income_address));
  setText('broadcaster', keyText(s.broadcaster));
  const src = s.source;
  setText('window', src.available ? src.first + '–' + src.last + (src.ended ? ' (ended)' : ' (live)') : 'none yet');
  const body = $('sessions');
  body.replaceChildren();
  for (const v of s.sessions) {
    const tr = document.createElement('tr');
    tr.dataset.contract = v.contract;
    tr.append(cell(v.code, 'code'), cell(v.contract.slice(0, 16) + '…', 'mono'), cell(v.segments, 'num segments'),
              cell(v.amount, 'num amount'), cell(v.bytes, 'num'), cell(v.quiet_seconds, 'num'));
    body.append(tr);
  }
  $('no-viewers').hidden = s.sessions.length > 0;
}

const events = new EventSource('/events');
events.addEventListener('state', (e) => showState(JSON.parse(e.data)));
events.addEventListener('log', (e) => prepend($('log'), JSON.parse(e.data)));
