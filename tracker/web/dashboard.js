// The tracker's dashboard: totals, audit and live streams come from the
// server-sent "state" events of /dashboard/events; the pages of contracts and
// accounts come from /dashboard/api/* and are fetched again when the ledger's
// totals change (never on a timer). Every value is written as text: stream
// names and URLs come from strangers.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (name === 'class') node.className = value;
      else if (name === 'title') node.title = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  const number = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');
  function time(ts) {
    if (!ts) return '–';
    return new Date(ts * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }
  function bytes(n) {
    if (typeof n !== 'number') return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    let v = n;
    let u = 0;
    while (v >= 1000 && u < units.length - 1) { v /= 1000; u += 1; }
    return (u === 0 ? String(v) : v.toFixed(1)) + ' ' + units[u];
  }
  const short = (hex) => (hex ? hex.slice(0, 12) + '…' : '–');

  function alertMessage(text) {
    const box = $('alert');
    box.textContent = text || '';
    box.hidden = !text;
  }

  async function getJson(path) {
    const res = await fetch(path, { cache: 'no-store' });
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      const error = body && body.error ? body.error : { code: 'http', message: 'HTTP ' + res.status };
      const err = new Error(error.message);
      err.code = error.code;
      err.status = res.status;
      throw err;
    }
    return body;
  }

  // ----- the live state ------------------------------------------------------

  function renderLedger(ledger) {
    $('minted').textContent = number(ledger.minted);
    $('paid').textContent = number(ledger.paid);
    $('charged').textContent = number(ledger.charged);
    $('segments').textContent = number(ledger.segments);
    $('bytes').textContent = bytes(ledger.bytes);
    $('bytes').title = number(ledger.bytes) + ' bytes';
    $('contracts-open').textContent = number(ledger.contracts_open);
    $('contracts-closed').textContent = number(ledger.contracts_closed);
    $('contracts-expired').textContent = number(ledger.contracts_expired);
    $('contracts-opened').textContent = number(ledger.contracts_opened);
    $('journal-entries').textContent = number(ledger.journal_entries);
  }

  // Whether the ledger's store takes writes: after a failed write (a full
  // disk) changes are refused until the tracker could reopen it.
  function renderStore(store) {
    const badge = $('store-state');
    badge.textContent = store.ok ? 'store ok' : 'store failing';
    badge.className = 'state ' + (store.ok ? 'ok' : 'failed');
    $('store-error').textContent = store.ok
      ? ''
      : `changes refused until the store is reopened: ${store.error}`;
  }

  function renderAudit(audit) {
    const badge = $('audit-state');
    const last = audit.last;
    let state = 'none yet';
    let cls = 'state';
    if (audit.running) {
      state = 'running';
    } else if (last) {
      state = last.ok ? 'ok' : 'failed';
      cls = 'state ' + state;
    }
    badge.textContent = state;
    badge.className = cls;
    const report = last && last.report;
    $('audit-when').textContent = last
      ? `last: ${time(last.started)} (${last.trigger}), took ${last.seconds.toFixed(3)} s`
      : '';
    $('audit-minted').textContent = report ? number(report.minted) : '–';
    $('audit-balances').textContent = report ? number(report.balances) : '–';
    $('audit-locked').textContent = report ? number(report.locked) : '–';
    $('audit-accounts').textContent = report ? number(report.accounts) : '–';
    $('audit-journal').textContent = report ? number(report.journal_entries) : '–';
    $('audit-contracts').textContent = report
      ? `${number(report.contracts_open)} / ${number(report.contracts_closed)} / ${number(report.contracts_expired)}`
      : '–';
    const problems = report ? report.problems : last && last.error ? [last.error] : [];
    $('audit-problems').replaceChildren(...problems.map((p) => el('li', {}, p)));
  }

  function renderStreams(streams) {
    const shown = streams.list.length;
    $('streams-count').textContent =
      `${number(streams.streams)} stream(s), ${number(streams.broadcasters)} broadcaster(s), ` +
      `${number(streams.announcements)} announcement(s)` +
      (shown < streams.announcements ? `; the first ${shown} shown` : '');
    $('stream-rows').replaceChildren(...streams.list.map((a) => el('tr', { 'data-stream': a.stream },
      el('td', {}, a.stream),
      el('td', { class: 'mono key', title: a.broadcaster }, keyText(a.broadcaster)),
      el('td', { class: 'code' }, a.code || ''),
      el('td', { class: 'mono' }, a.url),
      el('td', { class: 'num' }, number(a.price)),
      el('td', {}, time(a.expires)))));
  }

  let lastLedger = null;
  function onState(state) {
    const s = state.summary;
    $('tracker-code').textContent = s.tracker.code;
    $('tracker-key').textContent = keyText(s.tracker.pubkey);
    renderLedger(s.ledger);
    renderStore(s.store);
    renderAudit(s.audit);
    renderStreams(state.streams);
    const ledger = JSON.stringify(s.ledger);
    if (lastLedger !== null && ledger !== lastLedger) {
      contracts.refresh();
      accounts.refresh();
    }
    lastLedger = ledger;
  }

  // ----- pages -----------------------------------------------------------------

  // A paged list: `load(after)` fetches one page ({items, next}); `render`
  // draws it. Previous pages are the cursors it came through.
  class Pager {
    constructor(name, load, render) {
      this.name = name;
      this.load = load;
      this.render = render;
      this.before = [];   // cursors of the earlier pages
      this.cursor = '';   // this page's
      this.next = null;
      this.busy = false;
      this.again = false;
      $(name + '-prev').addEventListener('click', () => this.go(this.before.pop() || '', false));
      $(name + '-next').addEventListener('click', () => {
        if (this.next === null) return;
        this.before.push(this.cursor);
        this.go(this.next, false);
      });
    }

    reset() {
      this.before = [];
      this.go('', false);
    }

    refresh() { this.go(this.cursor, true); }

    async go(cursor, quiet) {
      this.cursor = cursor;
      if (this.busy) { this.again = true; return; }
      this.busy = true;
      try {
        do {
          this.again = false;
          const page = await this.load(this.cursor);
          if (this.again) continue;
          this.next = page.next;
          this.render(page.items);
          $(this.name + '-page').textContent = 'page ' + (this.before.length + 1);
          $(this.name + '-prev').disabled = this.before.length === 0;
          $(this.name + '-next').disabled = this.next === null;
        } while (this.again);
        if (!quiet) alertMessage('');
      } catch (e) {
        alertMessage(`${this.name}: ${e.message}`);
      } finally {
        this.busy = false;
      }
    }
  }

  const contractColumns = [
    ['id', ''], ['state', ''], ['stream', ''], ['viewer', ''], ['broadcaster', ''], ['price', 'num'],
    ['segments', 'num'], ['max', 'num'], ['paid', 'num'], ['bytes', 'num'], ['opened', ''], ['settled', ''],
  ];
  function contractHead() {
    return el('tr', {}, ...contractColumns.map(([name, cls]) => el('th', cls ? { class: cls } : {}, name)));
  }
  function contractRow(c) {
    return el('tr', { 'data-id': c.id },
      el('td', { class: 'mono id', title: c.id }, c.id),
      el('td', { class: 'state' }, el('span', { class: 'state ' + c.state }, c.state)),
      el('td', {}, c.stream),
      el('td', { class: 'mono key', title: c.viewer }, keyText(c.viewer)),
      el('td', { class: 'mono key', title: c.broadcaster }, keyText(c.broadcaster)),
      el('td', { class: 'num price' }, c.price),
      el('td', { class: 'num segments' }, c.segments),
      el('td', { class: 'num max-segments' }, c.max_segments),
      el('td', { class: 'num paid' }, c.paid),
      el('td', { class: 'num bytes' }, c.bytes),
      el('td', {}, time(c.opened)),
      el('td', {}, time(c.settled)));
  }

  const contracts = new Pager('contracts', async (after) => {
    const state = $('contract-state').value;
    const query = new URLSearchParams({ state, limit: '50' });
    if (after) query.set('after', after);
    const page = await getJson('/dashboard/api/contracts?' + query);
    return { items: page.contracts, next: page.next };
  }, (items) => {
    $('contract-rows').replaceChildren(...(items.length
      ? items.map(contractRow)
      : [el('tr', {}, el('td', { colspan: String(contractColumns.length), class: 'sub' }, 'no contracts'))]));
  });

  const accounts = new Pager('accounts', async (after) => {
    const query = new URLSearchParams({ limit: '50' });
    if (after) query.set('after', after);
    const page = await getJson('/dashboard/api/accounts?' + query);
    return { items: page.accounts, next: page.next };
  }, (items) => {
    $('account-rows').replaceChildren(...(items.length
      ? items.map((a) => el('tr', { 'data-address': a.address },
        el('td', { class: 'mono key', title: a.address }, addressText(a.address)),
        el('td', { class: 'kind' }, a.kind),
        el('td', { class: 'num balance' }, a.balance),
        el('td', { class: 'num locked' }, a.kind === 'ordinary' ? '–' : a.locked),
        el('td', { class: 'mono key', title: a.owner || '' }, a.owner ? keyText(a.owner) : '–'),
        el('td', {}, a.kind === 'ordinary' ? '–' : a.open ? 'yes' : 'closed')))
      : [el('tr', {}, el('td', { colspan: '6', class: 'sub' }, 'no accounts'))]));
  });

  async function lookUp(event) {
    event.preventDefault();
    const id = $('lookup-id').value.trim().toLowerCase();
    const message = $('lookup-message');
    const table = $('lookup-table');
    table.hidden = true;
    message.hidden = false;
    if (!/^[0-9a-f]{64}$/.test(id)) {
      message.textContent = 'a contract id is 64 hex digits';
      return;
    }
    message.textContent = 'looking up…';
    try {
      const c = await getJson('/dashboard/api/contract?' + new URLSearchParams({ id }));
      $('lookup-rows').replaceChildren(contractRow(c));
      table.hidden = false;
      message.hidden = true;
    } catch (e) {
      message.textContent = e.code === 'not_found' ? 'no contract ' + id : e.message;
    }
  }

  // ----- start -------------------------------------------------------------------

  $('contract-head').replaceChildren(contractHead());
  $('lookup-head').replaceChildren(contractHead());
  $('contract-state').addEventListener('change', () => contracts.reset());
  $('lookup').addEventListener('submit', lookUp);
  contracts.reset();
  accounts.reset();

  const live = $('live');
  const events = new EventSource('/dashboard/events');
  events.addEventListener('open', () => { live.textContent = 'live'; live.className = 'state live'; });
  events.addEventListener('error', () => { live.textContent = 'reconnecting'; live.className = 'state'; });
  events.addEventListener('state', (e) => onState(JSON.parse(e.data)));
})();
