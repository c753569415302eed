// What the live dashboard costs the server: Mnemo's own CPU time (utime + stime from /proc)
// over DASHBOARD_SECONDS (30) with no page open, then with the page open in chromium at 10
// updates a second (?interval=100), then closed again; each as a share of one core.
// DASHBOARD_LOAD=1 runs a steady pipelined SET/GET load on one connection through all
// three phases (the page then has commands to draw; the load's own cost is in every phase).
// Usage: node --import tsx bench/dashboard.ts

import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { launchChromium } from '../test/helpers/browser.ts';
import { cpuTicks } from './proc.ts';
import { freePort, releasePort, startMnemo } from './servers.ts';

const SECONDS = Number(process.env.DASHBOARD_SECONDS ?? 30);
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server's CPU over the next SECONDS, in % of one core. */
async function cpuPercent(pid: number): Promise<number> {
  const ticks = cpuTicks(pid);
  const started = performance.now();
  await sleep(SECONDS * 1000);
  const elapsed = (performance.now() - started) / 1000;
  return ((cpuTicks(pid) - ticks) / TICKS_PER_SECOND / elapsed) * 100;
}

/** A SET/GET load, about `perSecond` commands a second in batches of 100, until stopped. */
function steadyLoad(port: number, perSecond: number): () => void {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('data', () => {});
  let batch = '';
  for (let i = 0; i < 50; i++) batch += `SET key:${i} value\r\nGET key:${i}\r\n`;
  const timer = setInterval(() => socket.write(batch), (100 / perSecond) * 1000);
  return () => {
    clearInterval(timer);
    socket.destroy();
  };
}

const metricsPort = await freePort();
const server = await startMnemo([['metrics-port', String(metricsPort)]]);
const stopLoad = process.env.DASHBOARD_LOAD === '1' ? steadyLoad(server.port, 5000) : () => {};
const browser = await launchChromium();
try {
  await sleep(2000);
  const closedBefore = await cpuPercent(server.pid);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`http://127.0.0.1:${metricsPort}/?interval=100`);
  await page.waitForFunction(() => (window as unknown as { mnemoDashboard: { updates: number } }).mnemoDashboard.updates >= 5);
  const open = await cpuPercent(server.pid);
  const updates = await page.evaluate(() => (window as unknown as { mnemoDashboard: { updates: number } }).mnemoDashboard.updates);
  await page.close();
  await sleep(1000);
  const closedAfter = await cpuPercent(server.pid);
  const closed = (closedBefore + closedAfter) / 2;
  console.log(`server CPU over ${SECONDS} s each${process.env.DASHBOARD_LOAD === '1' ? ' (with a 5000 commands/s load)' : ''}:`);
  console.log(`  dashboard closed: ${closedBefore.toFixed(2)}% then ${closedAfter.toFixed(2)}%`);
  console.log(`  dashboard open at 10 updates/s: ${open.toFixed(2)}% (${updates} updates received)`);
  console.log(`  cost of the open dashboard: ${(open - closed).toFixed(2)}% of one core (target < 1%)`);
} finally {
  stopLoad();
  await browser.close();
  await server.stop();
  releasePort(metricsPort);
}
