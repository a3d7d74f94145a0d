// The dashboard's history (GET /dashboard/api/history): per-step bars of
// what the tracker did over the last hour, and per-hour bars over the last
// day, drawn as SVG by this page (no charting library, nothing fetched from
// elsewhere). Fetched again every step (at most every 10 s).
'use strict';

(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const SERIES = [
    { key: 'contracts_opened', title: 'contracts opened' },
    { key: 'tokens_paid', title: 'tokens paid' },
    { key: 'segments', title: 'segments settled' },
    { key: 'bytes', title: 'bytes settled', bytes: true },
    { key: 'streams', title: 'live streams', gauge: true },
    { key: 'viewers', title: 'viewers', gauge: true },
  ];
  const SPANS = { hour: { slots: 60, steps: 1 }, day: { slots: 24, steps: 60 } };
  let span = 'hour';
  let history = null;

  function duration(seconds) {
    if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : seconds / 3600 + ' h';
    if (seconds % 60 === 0) return seconds === 60 ? 'minute' : seconds / 60 + ' min';
    return seconds + ' s';
  }
  function amount(n, asBytes) {
    if (!asBytes) return n.toLocaleString('en-US');
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let v = n;
    let u = 0;
    while (v >= 1000 && u < units.length - 1) { v /= 1000; u += 1; }
    return (u === 0 ? String(v) : v.toFixed(1)) + ' ' + units[u];
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    return node;
  }

  // One chart: a bar per slot, the slots ending with the one in progress.
  function chart(series, points, slotSeconds, slots) {
    const last = points.length ? points[points.length - 1].start : 0;
    const first = last - (slots - 1) * slotSeconds;
    const values = new Array(slots).fill(0);
    for (const p of points) {
      const i = Math.round((p.start - first) / slotSeconds);
      if (i >= 0 && i < slots) values[i] = p[series.key];
    }
    const most = Math.max(...values);
    const plot = svg('svg', { viewBox: `0 0 ${slots * 10} 100`, preserveAspectRatio: 'none',
                              role: 'img', 'aria-label': series.title });
    plot.append(svg('line', { x1: 0, y1: 99.5, x2: slots * 10, y2: 99.5, class: 'axis' }));
    values.forEach((v, i) => {
      if (v === 0) return;
      const h = Math.max(2, (v / most) * 96);
      const bar = svg('rect', { x: i * 10 + 1, y: 100 - h, width: 8, height: h,
                                class: series.gauge ? 'gauge' : 'count' });
      const title = svg('title', {});
      title.textContent = new Date((first + i * slotSeconds) * 1000).toISOString().slice(11, 16) +
        'Z: ' + amount(v, series.bytes);
      bar.append(title);
      plot.append(bar);
    });
    const figure = document.createElement('figure');
    figure.className = 'chart';
    figure.dataset.series = series.key;
    const caption = document.createElement('figcaption');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = series.title + (series.gauge ? ', most at once' : ' / ' + duration(slotSeconds));
    caption.append(name);
    const peak = document.createElement('span');
    peak.className = 'peak';
    peak.textContent = 'peak ' + amount(most, series.bytes);
    caption.append(peak);
    figure.append(caption, plot);
    return figure;
  }

  function render() {
    const box = document.getElementById('charts');
    const note = document.getElementById('history-note');
    if (!history) return;
    const { slots, steps } = SPANS[span];
    const slotSeconds = history.step * steps;
    for (const [name, s] of Object.entries(SPANS)) {
      document.getElementById('span-' + name).textContent = 'Last ' + duration(s.slots * s.steps * history.step);
    }
    const points = history[span];
    note.textContent = points.length
      ? 'the last ' + duration(slots * slotSeconds) + ', the ' + duration(slotSeconds) +
        ' in progress last; kept across restarts'
      : 'no history yet';
    box.replaceChildren(...SERIES.map((s) => chart(s, points, slotSeconds, slots)));
  }

  async function refresh() {
    try {
      const res = await fetch('/dashboard/api/history', { cache: 'no-store' });
      if (res.ok) {
        history = await res.json();
        render();
      }
    } catch (e) { /* the next round tries again */ }
    const every = history ? Math.min(history.step, 10) : 5;
    setTimeout(refresh, every * 1000);
  }

  for (const name of Object.keys(SPANS)) {
    const button = document.getElementById('span-' + name);
    button.addEventListener('click', () => {
      span = name;
      for (const other of Object.keys(SPANS)) {
        document.getElementById('span-' + other).setAttribute('aria-pressed', String(other === name));
      }
      render();
    });
  }
  refresh();
})();
