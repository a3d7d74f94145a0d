// The viewer's page: plays what the node bought (hls.js, or the browser's own
// HLS support) and shows the node's figures as they arrive over server-sent
// events. It never polls: every change comes from /events.
'use strict';

// Uses page.js ($, setText, prepend), loaded before it.
let player = null;

function showAlert(message) {
  const box = $('alert');
  box.textContent = message;
  box.hidden = false;
}

function startPlayer(playlist) {
  const video = $('video');
  if (player !== null) return;
  if (window.Hls && window.Hls.isSupported()) {
    player = new window.Hls({ lowLatencyMode: false });
    player.loadSource(playlist);
    player.attachMedia(video);
    player.on(window.Hls.Events.ERROR, (_, data) => {
      if (data.fatal) $('player-note').textContent = 'player error: ' + data.type + ' ' + data.details;
    });
    $('player-note').textContent = 'playing ' + playlist + ' with hls.js';
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    player = 'native';
    video.src = playlist;
    $('player-note').textContent = 'playing ' + playlist + ' natively';
  } else {
    player = 'none';
    $('player-note').textContent = 'this browser cannot play HLS; open ' + playlist + ' in a player';
    return;
  }
  video.play().catch(() => { /* autoplay refused: the controls remain */ });
}

function showState(s) {
  document.title = 'tollstream · ' + s.stream;
  setText('stream', s.stream);
  const state = $('state');
  state.textContent = s.state;
  state.className = 'state ' + s.state;
  setText('segments', s.segments);
  setText('bytes', s.bytes);
  setText('spent', s.spent);
  setText('budget-left', s.budget_left);
  setText('budget', s.budget);
  setText('price', s.price);
  setText('returned', s.returned);
  setText('balance', s.balance);
  setText('broadcaster', s.broadcaster);
  setText('code', s.code);
  setText('origin-code', s.origin_code);
  setText('role', s.role);
  setText('income-address', s.income_address);
  setText('contract', s.contract);
  setText('stopped-because', s.stopped_because);
  const done = s.state === 'closed' || s.state === 'failed';
  $('stop').disabled = done;
  $('top-up').disabled = done;
  if (s.segments > 0) startPlayer(s.playlist);
}

async function control(path, body) {
  $('control-note').textContent = '';
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Tollstream-Control': '1' },
      body: JSON.stringify(body),
    });
    const answer = await res.json();
    if (!res.ok) $('control-note').textContent = answer.error ? answer.error.message : 'refused';
  } catch (e) {
    $('control-note').textContent = 'the node did not answer: ' + e;
  }
}

$('top-up').addEventListener('click', () => {
  const amount = Number($('top-up-amount').value);
  control('/api/top-up', { amount });
});
$('stop').addEventListener('click', () => control('/api/stop', {}));

const events = new EventSource('/events');
events.addEventListener('state', (e) => showState(JSON.parse(e.data)));
events.addEventListener('receipt', (e) => {
  const r = JSON.parse(e.data);
  prepend($('receipts'), 'segment ' + r.seq + ' · ' + r.bytes + ' bytes · receipt for ' + r.segments +
          ' segments, ' + r.amount + ' tokens');
});
events.addEventListener('log', (e) => prepend($('log'), JSON.parse(e.data)));
events.addEventListener('alert', (e) => showAlert(JSON.parse(e.data)));
events.onerror = () => { $('control-note').textContent = 'reconnecting to the node…'; };
events.onopen = () => { $('control-note').textContent = ''; };
