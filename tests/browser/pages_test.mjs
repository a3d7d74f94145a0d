// End to end in a real browser: Debian's Chromium, driven by playwright-core,
// against real processes on loopback (a tracker, a broadcasting node fed by
// ffmpeg in real time, a viewing node).
//
//   - Chromium's codec support is checked for what the nodes carry (H.264/AAC
//     in MPEG-TS): the test fails, rather than skips, if it cannot play it.
//   - The viewer's page plays the stream: video.currentTime passes 4 s.
//   - The top-up button adds to the budget.
//   - The broadcaster's status page shows the viewer's contract and how the stream comes in.
//   - "Stop watching" closes the contract; the page's figures then equal the
//     tracker's ledger (the contract's paid amount and segments, the viewer's
//     balance), and the tracker's dashboard shows the contract.
//   - Both nodes' /metrics parse as Prometheus text (tests/metrics/
//     node_scrapes_check.py) and their counters moved with the traffic;
//     promtool check metrics passes the tracker's and both nodes'.
//   - A viewing node started without a stream lists the three live streams
//     on its page (titles escaped, codes, viewers now); a search narrows the
//     list; a click buys and plays the stream; the "budget is spent" alert
//     clears after a top-up.
//   - The dashboard's history adds up to the ledger's totals and is drawn
//     as bars, over the last hour and the last day.
//   - Every page fits a phone (390 px wide): no horizontal overflow.
//   - The Grafana dashboard (packaging/grafana/) names only metrics that the
//     three programs serve (tests/metrics/grafana_check.py).
// Screenshots of each page at 1280×800 and 390×844 are saved in the
// artifacts directory.
//
// usage: node pages_test.mjs BUILD_DIR ARTIFACTS_DIR
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { children, exited, start, stopAll, waitLine } from './processes.mjs';

const [buildDir, artifacts] = process.argv.slice(2);
if (!buildDir || !artifacts) {
  console.error('usage: node pages_test.mjs BUILD_DIR ARTIFACTS_DIR');
  process.exit(2);
}
const trackerBin = path.join(buildDir, 'tracker/tracker');
const peerBin = path.join(buildDir, 'peer/peer');
const work = mkdtempSync(path.join(tmpdir(), 'tollstream-browser-'));
mkdirSync(artifacts, { recursive: true });
let browser = null;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}

// Whether the page fits a phone's width (no sideways scrolling); saves
// screenshots at both sizes.
async function checkSizes(page, name) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(artifacts, `${name}-1280.png`) });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const fit = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  console.log(`${name} at 390 px: scrollWidth ${fit.scroll}, clientWidth ${fit.client}`);
  assert.ok(fit.scroll <= fit.client, `${name} overflows sideways at 390 px: ${fit.scroll} > ${fit.client}`);
  await page.screenshot({ path: path.join(artifacts, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

// The dashboard's history adds up to the ledger's totals (the tracker
// started with an empty ledger, so its "day" holds every contract), and the
// page draws it: bars for contracts, tokens and viewers, over the day too.
async function checkHistory(dashboard, trackerUrl) {
  let history, totals;
  for (let i = 0; i < 40; i += 1) {
    history = (await getJson(`${trackerUrl}/dashboard/api/history`)).body;
    totals = (await getJson(`${trackerUrl}/dashboard/api/summary`)).body.ledger;
    const sum = (key) => history.day.reduce((n, p) => n + p[key], 0);
    if (sum('contracts_opened') === totals.contracts_opened && sum('tokens_paid') === totals.paid + totals.charged &&
        sum('segments') === totals.segments && sum('bytes') === totals.bytes) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const sum = (key) => history.day.reduce((n, p) => n + p[key], 0);
  assert.equal(history.step, 1);
  assert.ok(totals.contracts_opened >= 2, JSON.stringify(totals));
  assert.equal(sum('contracts_opened'), totals.contracts_opened, JSON.stringify(history.day));
  assert.equal(sum('tokens_paid'), totals.paid + totals.charged);
  assert.equal(sum('segments'), totals.segments);
  assert.equal(sum('bytes'), totals.bytes);
  assert.ok(Math.max(...history.day.map((p) => p.viewers)) >= 1);
  assert.ok(Math.max(...history.day.map((p) => p.streams)) >= 3);
  for (const series of ['contracts_opened', 'viewers', 'streams']) {
    await dashboard.locator(`#charts figure[data-series="${series}"] rect`).first().waitFor({ timeout: 15000 });
  }
  await dashboard.click('#span-day');
  for (const series of ['contracts_opened', 'tokens_paid', 'segments', 'bytes']) {
    await dashboard.locator(`#charts figure[data-series="${series}"] rect`).first().waitFor({ timeout: 15000 });
  }
  assert.match(await dashboard.textContent('#history-note'), /kept across restarts/);
  await dashboard.click('#span-hour');
  await dashboard.locator('#charts figure[data-series="viewers"] rect').first().waitFor({ timeout: 15000 });
}

async function getJson(url) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

// A viewing node started without a stream: its page lists the live
// streams; a search narrows them; a click buys one, which plays; the
// alert that the budget is spent clears after a top-up.
async function chooseOnPage(context, trackerUrl, work) {
  const key = execFileSync(peerBin, ['keygen', '--out', path.join(work, 'd.key')]).toString();
  execFileSync(trackerBin, ['mint', '--data-dir', path.join(work, 'tracker'), '--tracker', trackerUrl,
    '--to', /address:\s+(\S+)/.exec(key)[1], '--amount', '200']);
  // A budget of 15 at 3 a segment: the opening charge and 4 segments.
  const chooser = start('chooser', peerBin, ['watch', '--tracker', trackerUrl, '--key', path.join(work, 'd.key'),
    '--budget', '15', '--listen', '127.0.0.1:0']);
  const pageUrl = await waitLine(chooser, 'watch page ');
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pageUrl);
  await page.waitForFunction(() => document.querySelectorAll('#streams li').length === 3, null, { timeout: 15000 });
  assert.equal(await page.textContent('#state'), 'choosing');
  const pattern = page.locator('#streams li[data-stream="pattern"]');
  assert.match(await pattern.textContent(), /Test pattern/);
  assert.match(await pattern.textContent(), /3 tokens a segment · 1 viewer · live /);  // the first viewer's contract
  // A title is shown as text, never as markup.
  assert.match(await page.locator('#streams li[data-stream="chess"] strong').textContent(), /^Blitz <b>chess<\/b>$/);
  assert.equal(await page.locator('#streams li[data-stream="chess"] b').count(), 0);
  await checkSizes(page, 'directory');
  await page.fill('#search', 'BLITZ');
  await page.waitForFunction(() => document.querySelectorAll('#streams li').length === 1, null, { timeout: 10000 });
  assert.equal(await page.getAttribute('#streams li', 'data-stream'), 'chess');
  await page.fill('#search', 'opera');
  await page.waitForFunction(() => !document.getElementById('streams-empty').hidden, null, { timeout: 10000 });
  await page.fill('#search', '');
  await page.waitForFunction(() => document.querySelectorAll('#streams li').length === 3, null, { timeout: 10000 });

  await page.click('#streams li[data-stream="pattern"] button');
  await page.waitForFunction(() => document.getElementById('state').textContent === 'waiting-top-up', null,
    { timeout: 60000 });
  await page.waitForFunction(() => !document.getElementById('alert').hidden, null, { timeout: 10000 });
  assert.match(await page.textContent('#alert-text'), /budget/);
  await checkSizes(page, 'watch-budget-spent');
  await page.fill('#top-up-amount', '60');
  await page.click('#top-up');
  await page.waitForFunction(() => document.getElementById('alert').hidden, null, { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('video').currentTime > 4, null, { timeout: 60000, polling: 250 });
  console.log(`chosen on the page: video.currentTime ${(await page.evaluate(() => document.getElementById('video').currentTime)).toFixed(2)} s`);
  assert.equal(await page.textContent('#heading'), 'pattern');
  assert.notEqual(await page.textContent('#time-left'), '–');
  const playlist = await (await fetch(`${pageUrl}pattern.m3u8`)).text();
  assert.match(playlist, /#EXT-X-START:TIME-OFFSET=-6\.000\n/);  // a player opened late starts near the live edge
  assert.deepEqual(errors, []);
  await page.close();
}

async function main() {
  // A 60-second H.264/AAC test pattern (long enough to be still live when
  // the viewer stops watching, on a slow build), which the broadcaster encodes into
  // 2-second HLS segments in real time.
  const source = path.join(work, 'source.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', source]);

  execFileSync(trackerBin, ['init', '--data-dir', path.join(work, 'tracker')]);
  // History by the second (--history-step 1): the "day" chart's buckets
  // are then minutes, and the whole test fits in it.
  const tracker = start('tracker', trackerBin, ['run', '--data-dir', path.join(work, 'tracker'), '--listen', '127.0.0.1:0',
    '--history-step', '1']);
  const trackerUrl = await waitLine(tracker, 'listening on ');
  execFileSync(peerBin, ['keygen', '--out', path.join(work, 'b.key')]);
  const viewerKey = execFileSync(peerBin, ['keygen', '--out', path.join(work, 'c.key')]).toString();
  const viewerAddress = /address:\s+(\S+)/.exec(viewerKey)[1];
  execFileSync(trackerBin, ['mint', '--data-dir', path.join(work, 'tracker'), '--tracker', trackerUrl,
    '--to', viewerAddress, '--amount', '1000']);

  const broadcaster = start('broadcaster', peerBin, ['broadcast', '--tracker', trackerUrl, '--key', path.join(work, 'b.key'),
    '--stream', 'pattern', '--listen', '127.0.0.1:0', '--price', '3', '--source', source, '--title', 'Test pattern']);
  const statusUrl = await waitLine(broadcaster, 'status page ');
  const broadcasterCode = (await waitLine(broadcaster, 'broadcaster ')).split(' code ')[1];
  // Two more streams for the directory, from a recording already cut into HLS.
  const vod = path.join(work, 'vod');
  mkdirSync(vod);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', source, '-t', '8', '-c', 'copy',
    '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', path.join(vod, 'index.m3u8')]);
  const others = [];
  for (const [stream, title] of [['news', 'Evening news'], ['chess', 'Blitz <b>chess</b>']]) {
    execFileSync(peerBin, ['keygen', '--out', path.join(work, `${stream}.key`)]);
    const p = start(stream, peerBin, ['broadcast', '--tracker', trackerUrl, '--key', path.join(work, `${stream}.key`),
      '--stream', stream, '--listen', '127.0.0.1:0', '--price', '1', '--hls-dir', vod, '--title', title]);
    await waitLine(p, 'broadcasting ');
    others.push(p);
  }

  const viewer = start('viewer', peerBin, ['watch', '--tracker', trackerUrl, '--key', path.join(work, 'c.key'),
    '--stream', 'pattern', '--budget', '300', '--listen', '127.0.0.1:0']);
  const watchUrl = await waitLine(viewer, 'watch page ');
  await waitLine(viewer, 'segment ', 60000);
  const scrape = async (url, file) => writeFileSync(path.join(work, file), await (await fetch(`${url}metrics`)).text());
  const statusBase = statusUrl.endsWith('/') ? statusUrl : statusUrl + '/';
  await scrape(watchUrl, 'viewer-before.prom');
  await scrape(statusBase, 'broadcaster-before.prom');

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const watch = await context.newPage();
  const pageErrors = [];
  watch.on('pageerror', (e) => pageErrors.push(String(e)));
  await watch.goto(watchUrl);

  // What this Chromium decodes: H.264/AAC through Media Source Extensions
  // (hls.js transmuxes MPEG-TS into fragmented MP4 for it).
  const codecs = await watch.evaluate(() => ({
    mse_h264_aac: window.MediaSource ? MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001e,mp4a.40.2"') : false,
    mse_vp9_opus: window.MediaSource ? MediaSource.isTypeSupported('video/webm; codecs="vp9,opus"') : false,
    native_hls: document.createElement('video').canPlayType('application/vnd.apple.mpegurl'),
  }));
  console.log('chromium codecs:', JSON.stringify(codecs));
  assert.ok(codecs.mse_h264_aac || codecs.native_hls,
    'this Chromium cannot play H.264/AAC HLS; the default pipeline would need another codec');

  // The page plays: the video's clock passes 4 seconds.
  await watch.waitForFunction(() => document.getElementById('video').currentTime > 4, null, { timeout: 60000, polling: 250 });
  const played = await watch.evaluate(() => document.getElementById('video').currentTime);
  console.log(`video.currentTime ${played.toFixed(2)} s`);
  // Played by hls.js as the node serves it, not by a fallback.
  assert.match(await watch.textContent('#player-note'), /with hls\.js$/);
  assert.equal(await watch.textContent('#state'), 'open');
  assert.equal(await watch.textContent('#code'), broadcasterCode);
  assert.ok(Number(await watch.textContent('#segments')) >= 2);
  assert.ok((await watch.locator('#receipts li').count()) >= 2, 'receipts are listed');
  // The top-up button adds to the budget.
  await watch.fill('#top-up-amount', '30');
  await watch.click('#top-up');
  await watch.waitForFunction(() => document.getElementById('budget').textContent === '330', null, { timeout: 15000 });
  await checkSizes(watch, 'watch');
  const contract = await watch.textContent('#contract');
  assert.match(await watch.textContent('#income-address'), /^toll1/);
  assert.match(await watch.textContent('#broadcaster'), /^tollpub1/);

  // The broadcaster's status page shows the viewer's contract.
  const status = await context.newPage();
  await status.goto(statusUrl);
  await status.waitForSelector(`#sessions tr[data-contract="${contract}"]`, { timeout: 15000 });
  assert.equal(await status.textContent('#viewers'), '1');
  assert.equal(await status.textContent('#income-balance'), '3');  // asked of the tracker: the opening charge, nothing settled yet
  assert.ok(Number(await status.textContent(`#sessions tr[data-contract="${contract}"] td.segments`)) >= 2);
  // ... and how the stream comes in: ffmpeg encoding the file, a keyframe every 2 s, its bitrate.
  assert.equal(await status.textContent('#ingest-from'), 'a file or URL (--source)');
  assert.equal(await status.textContent('#ingest-state'), 'receiving');
  assert.equal(await status.textContent('#ingest-packager'), 'ffmpeg');
  assert.equal(await status.textContent('#ingest-restarts'), '0');
  await status.waitForFunction(() => document.getElementById('ingest-keyframes').textContent === '2.0 s', null, { timeout: 10000 });
  assert.match(await status.textContent('#ingest-bitrate'), /^[1-9][0-9]* kb\/s$/);
  await checkSizes(status, 'broadcast');
  await chooseOnPage(context, trackerUrl, work);

  // Stop watching: the contract closes and the deposit returns.
  await watch.click('#stop');
  await watch.waitForFunction(() => document.getElementById('state').textContent === 'closed', null, { timeout: 30000 });
  await watch.waitForFunction(() => document.getElementById('balance').textContent !== '–', null, { timeout: 10000 });
  const figures = await watch.evaluate(() => Object.fromEntries(
    ['segments', 'spent', 'returned', 'balance', 'budget', 'budget-left', 'contract', 'bytes']
      .map((id) => [id, document.getElementById(id).textContent])));
  console.log('page figures:', JSON.stringify(figures));
  await checkSizes(watch, 'watch-closed');

  // The figures equal the tracker's ledger.
  const ledger = await getJson(`${trackerUrl}/dashboard/api/contract?id=${contract}`);
  assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
  console.log('ledger contract:', JSON.stringify(ledger.body));
  assert.equal(ledger.body.state, 'closed');
  assert.equal(String(ledger.body.paid + ledger.body.charged), figures.spent);
  assert.equal(String(ledger.body.segments), figures.segments);
  assert.equal(ledger.body.charged, 3);  // the opening charge: one segment's price
  assert.equal(Number(figures.spent), Number(figures.segments) * 3 + 3);
  const wallet = JSON.parse(execFileSync(peerBin, ['wallet', '--tracker', trackerUrl, '--key', path.join(work, 'c.key'),
    'balance', '--json']).toString());
  assert.equal(String(wallet.balance), figures.balance);
  assert.equal(wallet.balance, 1000 - Number(figures.spent));

  // The dashboard shows the contract, with the same figures.
  const dashboard = await context.newPage();
  await dashboard.goto(`${trackerUrl}/dashboard`);
  const row = dashboard.locator(`tr[data-id="${contract}"]`);
  await row.waitFor({ timeout: 15000 });
  assert.equal((await row.locator('td.state').textContent()).trim(), 'closed');
  assert.equal((await row.locator('td.paid').textContent()).trim(), String(ledger.body.paid));
  // Addresses and keys in their human forms, as the command line prints them:
  // the viewer's address (from `peer keygen`) is in the accounts table.
  assert.match(viewerAddress, /^toll1[02-9ac-hj-np-z]{58}$/);
  await dashboard.locator('#account-rows td', { hasText: viewerAddress }).first().waitFor({ timeout: 15000 });
  assert.match(await dashboard.textContent('#tracker-key'), /^tollpub1/);
  await checkHistory(dashboard, trackerUrl);
  await checkSizes(dashboard, 'dashboard');

  // The nodes' metrics parse as Prometheus text and moved with the traffic.
  await scrape(watchUrl, 'viewer-after.prom');
  await scrape(statusBase, 'broadcaster-after.prom');
  console.log(execFileSync('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), '../metrics/node_scrapes_check.py'),
    ...['viewer-before', 'viewer-after', 'broadcaster-before', 'broadcaster-after'].map((f) => path.join(work, f + '.prom'))]).toString().trim());
  // The Grafana dashboard shipped for the three programs names only what they serve.
  writeFileSync(path.join(work, 'tracker.prom'), await (await fetch(`${trackerUrl}/metrics`)).text());
  const here = path.dirname(new URL(import.meta.url).pathname);
  console.log(execFileSync('/usr/bin/python3', [path.join(here, '../metrics/grafana_check.py'),
    path.join(here, '../../packaging/grafana/tollstream.json'),
    ...['viewer-after', 'broadcaster-after', 'tracker'].map((f) => path.join(work, f + '.prom'))]).toString().trim());
  // promtool, Prometheus's own checker, passes all three scrapes, lint included.
  const promtool = process.env.PROMTOOL;
  assert.ok(promtool && !promtool.endsWith('NOTFOUND'), 'promtool is missing: run scripts/setup promtool');
  for (const f of ['viewer-after', 'broadcaster-after', 'tracker']) {
    const scrape = path.join(work, f + '.prom');
    execFileSync(promtool, ['check', 'metrics'], { input: readFileSync(scrape) });
    console.log(`promtool check metrics: ${f} ok`);
  }
  const metrics = await (await fetch(`${watchUrl}metrics`)).text();
  const bought = /^tollstream_viewer_segments_bought_total (\d+)$/m.exec(metrics);
  assert.ok(bought, metrics);
  assert.equal(bought[1], figures.segments);
  assert.deepEqual(pageErrors, []);

  // Every process stops cleanly; the ledger holds.
  for (const p of [viewer, broadcaster, ...others, ...children.filter((c) => c.name === 'chooser')]) {
    p.child.kill('SIGINT');
    assert.equal(await exited(p, 30000), 0, `${p.name} exit\n${p.stderr}`);
  }
  const audit = JSON.parse(execFileSync(trackerBin, ['audit', '--tracker', trackerUrl]).toString());
  assert.equal(audit.ok, true, JSON.stringify(audit));
  console.log('browser test: ok');
}

try {
  await main();
  await cleanup();
} catch (e) {
  console.error(e);
  await cleanup();
  process.exit(1);
}
