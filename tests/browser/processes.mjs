// The programs a browser test runs: each started with its stdout read line
// by line (a line can be waited for), and listed in `children` so that the
// test stops every one of them at its end.
import { spawn } from 'node:child_process';

export const children = [];

// Starts a program; its stdout lines are kept and can be waited for.
export function start(name, bin, args) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, child, lines: [], waiters: [], stderr: '' };
  let partial = '';
  child.stdout.on('data', (chunk) => {
    partial += chunk.toString();
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      proc.lines.push(line);
      for (const w of [...proc.waiters]) w(line);
    }
  });
  child.stderr.on('data', (chunk) => { proc.stderr += chunk.toString(); });
  children.push(proc);
  return proc;
}

export function waitLine(proc, prefix, ms = 30000) {
  const found = proc.lines.find((l) => l.startsWith(prefix));
  if (found !== undefined) return Promise.resolve(found.slice(prefix.length));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${proc.name}: no line "${prefix}" within ${ms} ms\n${proc.lines.join('\n')}\n${proc.stderr}`));
    }, ms);
    const waiter = (line) => {
      if (!line.startsWith(prefix)) return;
      clearTimeout(timer);
      proc.waiters.splice(proc.waiters.indexOf(waiter), 1);
      resolve(line.slice(prefix.length));
    };
    proc.waiters.push(waiter);
  });
}

export function exited(proc, ms) {
  if (proc.child.exitCode !== null) return Promise.resolve(proc.child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    proc.child.on('exit', (code) => { clearTimeout(timer); resolve(code); });
  });
}

// Stops every program still running, the last started first: SIGINT, then
// SIGKILL after 10 s.
export async function stopAll() {
  for (const p of children.reverse()) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGINT');
      if ((await exited(p, 10000)) === null) p.child.kill('SIGKILL');
    }
  }
}
