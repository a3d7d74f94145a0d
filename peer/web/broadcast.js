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

// Where the stream comes from and how it arrives.
function showIngest(i) {
  if (!i) return;
  setText('ingest-from', { rtmp: 'RTMP', srt: 'SRT', source: 'a file or URL (--source)', 'hls-dir': 'an HLS folder' }[i.from] || i.from);
  const streamed = i.from === 'rtmp' || i.from === 'srt';
  setText('ingest-state', { receiving: 'receiving', waiting: streamed ? 'waiting for the streamer' : 'waiting for the encoder',
    ended: 'ended' }[i.state] || i.state);
  setText('ingest-sender', i.sender);
  setText('ingest-bitrate', i.bitrate_kbps === null ? null : i.bitrate_kbps + ' kb/s');
  setText('ingest-keyframes', i.keyframe_interval_ms === null ? null : (i.keyframe_interval_ms / 1000).toFixed(1) + ' s');
  setText('ingest-packager', i.packager);
  setText('ingest-restarts', i.restarts);
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
  showIngest(s.ingest);
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
