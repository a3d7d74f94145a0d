// The viewer's page. Started without a stream, the node has it list the
// tracker's live streams (searchable) and buy the one clicked. Then it plays
// what the node bought (hls.js, or the browser's own HLS support) with the
// money in view (paid so far, time left at this price), the technical
// figures folded away below. Figures arrive over server-sent events; only
// the directory is fetched, every few seconds while it shows.
'use strict';

// Uses page.js ($, setText, prepend) and names.js, loaded before it.
let player = null;
let listing = null;  // the directory's refresh timer, while it shows
let canRetry = false;  // buying stopped short: the node buys again when asked
let listingFailed = false;  // the alert shown says the directory could not be listed

function showAlert(message, canRetry) {
  setText('alert-text', message);
  $('retry').hidden = !canRetry;
  $('alert').hidden = false;
}

function clearAlert() {
  $('alert').hidden = true;
  $('retry').hidden = true;
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

// "1 h 5 min", "12 min", "40 s".
function duration(seconds) {
  if (seconds >= 3600) return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
  if (seconds >= 60) return Math.floor(seconds / 60) + ' min';
  return Math.floor(seconds) + ' s';
}

// What the screen says before it plays, or when it stops.
function screenNote(s) {
  switch (s.state) {
    case 'finding': return 'Looking for a source…';
    case 'opening': return 'Opening a contract…';
    case 'waiting-top-up': return 'The budget is spent: top up to go on.';
    case 'failed': return 'Stopped: ' + s.stopped_because;
    case 'closed': return s.segments > 0 ? '' : 'Stopped: ' + s.stopped_because;
    default:
      // The source's word while nothing new comes ("waiting for the streamer").
      if (s.source_note) return s.source_note.charAt(0).toUpperCase() + s.source_note.slice(1) + '…';
      return s.segments > 0 ? '' : 'Buying the first segment…';
  }
}

function showState(s) {
  canRetry = s.can_retry === true;
  const choosing = s.state === 'choosing';
  $('directory').hidden = !choosing;
  $('watching').hidden = choosing;
  setText('heading', choosing ? 'Choose a stream' : s.stream);
  document.title = 'tollstream · ' + (choosing ? 'choose a stream' : s.stream);
  const state = $('state');
  state.textContent = s.state;
  state.className = 'state ' + s.state;
  if (choosing) {
    // A stream chosen before could not be bought at all: say why.
    if (s.stopped_because) showAlert(s.stopped_because, false);
    if (listing === null) { listStreams(); listing = setInterval(listStreams, 5000); }
    return;
  }
  if (listing !== null) { clearInterval(listing); listing = null; }
  for (const id of ['stream', 'segments', 'bytes', 'spent', 'budget', 'price', 'returned', 'balance', 'code', 'role',
    'contract']) setText(id, s[id]);
  setText('broadcaster', keyText(s.broadcaster));
  setText('budget-left', s.budget_left);
  setText('origin-code', s.origin_code);
  setText('income-address', addressText(s.income_address));
  setText('stopped-because', s.stopped_because);
  setText('time-left', s.seconds_left === null ? null : duration(s.seconds_left));
  showQuality(s);
  const note = screenNote(s);
  $('screen-note').textContent = note;
  $('screen-note').hidden = note === '';
  const done = s.state === 'closed' || s.state === 'failed';
  $('stop').disabled = done;
  $('top-up').disabled = done;
  if (s.can_retry) showAlert(s.stopped_because, true);
  else if (s.state !== 'waiting-top-up' && s.state !== 'failed') clearAlert();
  if (s.segments > 0) startPlayer(s.playlist);
}

// The quality menu: the renditions a contract buys ("auto": the node adapts
// to its link), the one bought now, and its price a minute.
let qualities = '';
function showQuality(s) {
  const menu = $('quality');
  const names = (s.renditions || []).map((r) => r.name + ' ' + r.price).join(',');
  if (names !== qualities) {
    qualities = names;
    menu.replaceChildren();
    const first = document.createElement('option');
    first.value = '';
    first.textContent = s.renditions.length ? 'auto' : 'source';
    menu.append(first);
    for (const r of s.renditions) {
      const o = document.createElement('option');
      o.value = r.name;
      o.textContent = r.name + ' · ' + r.price + ' a segment';
      menu.append(o);
    }
  }
  menu.disabled = !s.renditions || s.renditions.length < 2;
  menu.value = s.pinned ? s.rendition : '';
  const perMinute = s.segment_seconds > 0 ? Math.round(s.price * 60 / s.segment_seconds) : null;
  $('per-minute').textContent = (s.rendition ? 'now ' + s.rendition + ', ' : '') +
    (perMinute === null ? '' : perMinute + ' tokens a minute');
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
    if (!res.ok) return answer.error ? answer.error.message : 'refused';
  } catch (e) {
    return 'the node did not answer: ' + e;
  }
  return '';
}

// "live 5 min", from a unix time.
function liveFor(since) {
  return 'live ' + duration(Math.max(0, Date.now() / 1000 - since));
}

function streamItem(e) {
  const li = document.createElement('li');
  li.dataset.stream = e.stream;
  const text = document.createElement('div');
  const title = document.createElement('strong');
  title.textContent = e.title || e.stream;
  const about = document.createElement('span');
  about.className = 'sub';
  about.textContent = e.stream + ' · code ' + e.origin_code + ' · ' + e.price + ' tokens a segment · ' +
    e.viewers + (e.viewers === 1 ? ' viewer' : ' viewers') + ' · ' + liveFor(e.since);
  text.append(title, document.createElement('br'), about);
  if (e.description) {
    const p = document.createElement('p');
    p.textContent = e.description;
    text.append(p);
  }
  const button = document.createElement('button');
  button.textContent = 'Watch';
  button.addEventListener('click', async () => {
    button.disabled = true;
    const refused = await control('/api/watch', { stream: e.stream, origin: e.origin });
    if (refused) { showAlert(refused, false); button.disabled = false; }
  });
  li.append(text, button);
  return li;
}

async function listStreams() {
  const query = $('search').value.trim();
  try {
    const res = await fetch('/api/streams?query=' + encodeURIComponent(query));
    const answer = await res.json();
    if (!res.ok) {
      showAlert('the tracker did not list the streams: ' + answer.error.message, false);
      listingFailed = true;
      return;
    }
    if (query !== $('search').value.trim()) return;  // typed on meanwhile: a newer listing follows
    if (listingFailed) { clearAlert(); listingFailed = false; }
    $('streams').replaceChildren(...answer.streams.map(streamItem));
    $('streams-empty').hidden = answer.streams.length > 0;
    $('streams-empty').textContent = query === '' ? 'No stream is live right now. This list refreshes by itself.'
      : 'No live stream matches "' + query + '".';
  } catch (e) {
    showAlert('the node did not answer: ' + e, false);
    listingFailed = true;
  }
}

let typing = null;
$('search').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(listStreams, 250); });
$('top-up').addEventListener('click', async () => {
  const refused = await control('/api/top-up', { amount: Number($('top-up-amount').value) });
  $('control-note').textContent = refused;
});
$('quality').addEventListener('change', async () => {
  $('control-note').textContent = await control('/api/rendition', { rendition: $('quality').value });
});
$('stop').addEventListener('click', async () => { $('control-note').textContent = await control('/api/stop', {}); });
$('retry').addEventListener('click', async () => {
  const refused = await control('/api/retry', {});
  if (refused) { showAlert(refused, true); return; }
  clearAlert();
  // The playlist had ended: the player starts again on the one that goes on.
  if (player !== null && player !== 'none' && player !== 'native') player.destroy();
  player = null;
});

const events = new EventSource('/events');
events.addEventListener('state', (e) => showState(JSON.parse(e.data)));
events.addEventListener('receipt', (e) => {
  const r = JSON.parse(e.data);
  prepend($('receipts'), 'segment ' + r.seq + ' · ' + r.bytes + ' bytes · receipt for ' + r.segments +
          ' segments, ' + r.amount + ' tokens');
});
events.addEventListener('log', (e) => prepend($('log'), JSON.parse(e.data)));
events.addEventListener('alert', (e) => showAlert(JSON.parse(e.data), canRetry));
events.onerror = () => { $('control-note').textContent = 'reconnecting to the node…'; };
events.onopen = () => { $('control-note').textContent = ''; };
