// A stream sold in three renditions, played in a real browser (Debian's
// Chromium with hls.js, from the viewing node's page) while the rendition
// bought changes under it: the page's quality menu pins the lowest, then
// "auto" brings back the top one. The node's local playlist is one media
// playlist of what it bought, renditions following one another with no
// discontinuity mark (one ffmpeg made them, their timestamps run on): the
// player must show each new rendition's picture and play on through both
// switches without an error.
//
// usage: node renditions_test.mjs BUILD_DIR
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { exited, start, stopAll, waitLine } from './processes.mjs';

const [buildDir] = process.argv.slice(2);
if (!buildDir) {
  console.error('usage: node renditions_test.mjs BUILD_DIR');
  process.exit(2);
}
const trackerBin = path.join(buildDir, 'tracker/tracker');
const peerBin = path.join(buildDir, 'peer/peer');
const work = mkdtempSync(path.join(tmpdir(), 'tollstream-renditions-'));
let browser = null;

// The video's state in the page: its clock, the picture's height, its error.
function videoState(page) {
  return page.evaluate(() => {
    const v = document.getElementById('video');
    const played = [];
    for (let i = 0; i < v.played.length; i += 1) played.push([v.played.start(i), v.played.end(i)]);
    return { time: v.currentTime, height: v.videoHeight, error: v.error ? v.error.code : null, played };
  });
}

// Waits until the page's video shows pictures `height` lines high, then
// until its clock has run `seconds` further: it plays on after the switch.
async function playsAt(page, height, seconds) {
  await page.waitForFunction((h) => document.getElementById('video').videoHeight === h, height,
    { timeout: 90000, polling: 250 });
  const at = (await videoState(page)).time;
  await page.waitForFunction((t) => document.getElementById('video').currentTime > t, at + seconds,
    { timeout: 60000, polling: 250 });
  const now = await videoState(page);
  console.log(`playing ${height} lines: video.currentTime ${at.toFixed(2)} → ${now.time.toFixed(2)} s`);
  assert.equal(now.error, null);
}

async function main() {
  const source = path.join(work, 'source.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '90', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', source]);
  execFileSync(trackerBin, ['init', '--data-dir', path.join(work, 'tracker')]);
  const tracker = start('tracker', trackerBin, ['run', '--data-dir', path.join(work, 'tracker'), '--listen', '127.0.0.1:0']);
  const trackerUrl = await waitLine(tracker, 'listening on ');
  execFileSync(peerBin, ['keygen', '--out', path.join(work, 'b.key')]);
  const viewerKey = execFileSync(peerBin, ['keygen', '--out', path.join(work, 'c.key')]).toString();
  execFileSync(trackerBin, ['mint', '--data-dir', path.join(work, 'tracker'), '--tracker', trackerUrl,
    '--to', /address:\s+(\S+)/.exec(viewerKey)[1], '--amount', '1000']);
  const broadcaster = start('broadcaster', peerBin, ['broadcast', '--tracker', trackerUrl, '--key', path.join(work, 'b.key'),
    '--stream', 'ladder', '--listen', '127.0.0.1:0', '--price', '6', '--source', source,
    '--renditions', '240p:600k,144p:200k,96p:100k', '--rendition-prices', '6,2,1']);
  await waitLine(broadcaster, 'broadcasting ', 60000);
  const viewer = start('viewer', peerBin, ['watch', '--tracker', trackerUrl, '--key', path.join(work, 'c.key'),
    '--stream', 'ladder', '--budget', '1000', '--listen', '127.0.0.1:0']);
  const watchUrl = await waitLine(viewer, 'watch page ');
  await waitLine(viewer, 'segment ', 60000);

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(watchUrl);
  // The top rendition, bought while the link carries it, played by hls.js.
  await playsAt(page, 240, 3);
  assert.match(await page.textContent('#player-note'), /with hls\.js$/);
  await page.waitForFunction(() => document.querySelectorAll('#quality option').length === 4, null, { timeout: 15000 });

  // Pinned to the lowest from the menu: the node buys it from the next
  // segment, and the player shows it and plays on.
  await page.selectOption('#quality', '96p');
  await playsAt(page, 96, 4);
  assert.match(viewer.lines.join('\n'), /bytes of 96p: bought/);
  // Back to auto: the top one again.
  await page.selectOption('#quality', '');
  await playsAt(page, 240, 4);
  // It played on without a jump: one range played, from where it started.
  const { played } = await videoState(page);
  console.log(`played: ${JSON.stringify(played)}`);
  assert.equal(played.length, 1, JSON.stringify(played));
  // What the player read: one media playlist, the switches without a mark.
  const playlist = await (await fetch(`${watchUrl}ladder.m3u8`)).text();
  assert.doesNotMatch(playlist, /#EXT-X-DISCONTINUITY/);
  assert.deepEqual(pageErrors, []);

  for (const p of [viewer, broadcaster]) {
    p.child.kill('SIGINT');
    assert.equal(await exited(p, 30000), 0, `${p.name} exit\n${p.stderr}`);
  }
  const audit = JSON.parse(execFileSync(trackerBin, ['audit', '--tracker', trackerUrl]).toString());
  assert.equal(audit.ok, true, JSON.stringify(audit));
  console.log('renditions in the browser: ok');
}

try {
  await main();
} catch (e) {
  console.error(e);
  process.exitCode = 1;
}
if (browser) await browser.close().catch(() => {});
await stopAll();
rmSync(work, { recursive: true, force: true });
