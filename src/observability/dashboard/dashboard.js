// The dashboard page's script: reads the server's event stream (cumulative counters, one JSON
// snapshot per event) and draws rates and interval percentiles with uPlot. Runs in the browser
// as is (no build step); window.mnemoDashboard exposes its state to the browser test.
/* global uPlot */
'use strict';

const WINDOW = 300;
const NAMED_COMMANDS = 8;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

function human(bytes) {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)}${units[unit]}`;
}

/** A time chart whose series can grow (a command or database seen for the first time). */
class Chart {
  /** `range`: a fixed y range ([min, max]) instead of one fitted to the data. */
  constructor(id, names, format, range) {
    const element = document.getElementById(id);
    this.names = [];
    this.data = [[]];
    const axis = { size: 64 };
    if (format) axis.values = (_u, splits) => splits.map((v) => (v == null ? '' : format(v)));
    this.plot = new uPlot(
      {
        width: Math.max(300, element.clientWidth - 4),
        height: 190,
        series: [{}],
        axes: [{}, axis],
        scales: range ? { x: { time: true }, y: { range } } : { x: { time: true } },
        legend: { live: false },
      },
      this.data,
      element,
    );
    for (const name of names) this.series(name);
  }

  /** The data index of the series `name`, added if new. */
  series(name) {
    let index = this.names.indexOf(name);
    if (index >= 0) return index + 1;
    this.names.push(name);
    index = this.names.length;
    this.data.push(this.data[0].map(() => null));
    this.plot.addSeries({ label: name, stroke: COLORS[(index - 1) % COLORS.length], width: 1.5, spanGaps: false }, index);
    return index;
  }

  /** Appends one point per series (missing names get a gap). */
  push(time, values) {
    for (const name of values.keys()) this.series(name);
    this.data[0].push(time);
    this.names.forEach((name, i) => {
      const value = values.get(name);
      this.data[i + 1].push(value === undefined ? null : value);
    });
    if (this.data[0].length > WINDOW) for (const column of this.data) column.shift();
    this.plot.setData(this.data);
  }
}

const charts = {
  throughput: new Chart('throughput', ['all'], (v) => v.toFixed(0)),
  latency: new Chart('latency', ['p50', 'p99', 'p99.9'], (v) => v.toFixed(0)),
  memory: new Chart('memory', ['used', 'rss'], human),
  clients: new Chart('clients', ['connected', 'blocked']),
  hits: new Chart('hits', ['hit ratio'], (v) => v.toFixed(0), [0, 100]),
  keys: new Chart('keys', []),
  cpu: new Chart('cpu', ['cpu'], (v) => v.toFixed(1)),
};

/** The bound of the bucket holding the `percentile`th of `counts`, or null when empty. */
function percentile(counts, bounds, p) {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const wanted = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let k = 0; k < counts.length; k++) {
    seen += counts[k];
    if (seen >= wanted) return bounds[k];
  }
  return bounds[bounds.length - 1];
}

function fillTable(id, rows, head) {
  const table = document.getElementById(id);
  const cells = (tag, row) => row.map((v, i) => `<${tag}${tag === 'td' && i === row.length - 1 && id === 'slowlog' ? ' class="command"' : ''}>${escape(String(v))}</${tag}>`).join('');
  table.innerHTML = (head ? `<tr>${cells('th', head)}</tr>` : '') + rows.map((row) => `<tr>${cells('td', row)}</tr>`).join('');
}

function escape(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

/** Which commands have a series of their own; the rest are summed as "other". */
const named = new Set();

function update(now, before) {
  const time = now.time / 1000;
  const seconds = (now.time - before.time) / 1000;
  if (seconds <= 0) return;
  const rate = (a, b) => (a - b) / seconds;

  const earlier = new Map(before.commands.map(([name, calls]) => [name, calls]));
  const throughput = new Map([['all', rate(now.commandsProcessed, before.commandsProcessed)]]);
  let other = 0;
  for (const [name, calls] of now.commands) {
    const perSecond = rate(calls, earlier.get(name) ?? 0);
    if (perSecond === 0 && !named.has(name)) continue;
    if (!named.has(name) && named.size < NAMED_COMMANDS) named.add(name);
    if (named.has(name)) throughput.set(name, perSecond);
    else other += perSecond;
  }
  if (other > 0 || charts.throughput.names.includes('other')) throughput.set('other', other);
  charts.throughput.push(time, throughput);

  const interval = now.latencyBuckets.map((count, k) => count - before.latencyBuckets[k]);
  const bounds = now.latencyBounds;
  charts.latency.push(
    time,
    new Map([
      ['p50', percentile(interval, bounds, 50)],
      ['p99', percentile(interval, bounds, 99)],
      ['p99.9', percentile(interval, bounds, 99.9)],
    ]),
  );
  charts.memory.push(time, new Map([['used', now.memory.used], ['rss', now.memory.rss]]));
  charts.clients.push(time, new Map([['connected', now.clients.connected], ['blocked', now.clients.blocked]]));
  const hits = now.hits - before.hits;
  const lookups = hits + now.misses - before.misses;
  charts.hits.push(time, new Map([['hit ratio', lookups === 0 ? null : (hits * 100) / lookups]]));
  charts.keys.push(time, new Map(now.dbs.map(([db, keys]) => [`db${db}`, keys])));
  charts.cpu.push(time, new Map([['cpu', ((now.cpuUsec - before.cpuUsec) / 1e4) / seconds]]));

  const state = window.mnemoDashboard;
  state.opsPerSecond = throughput.get('all');
  state.points = charts.throughput.data[0].length;
}

function showTables(now) {
  const lookups = now.hits + now.misses;
  document.getElementById('summary').textContent =
    `${now.clients.connected} client${now.clients.connected === 1 ? '' : 's'} · ${human(now.memory.used)} used` +
    (now.memory.max > 0 ? ` of ${human(now.memory.max)}` : '') +
    ` · hit ratio ${lookups === 0 ? '-' : ((now.hits * 100) / lookups).toFixed(1) + '%'}`;
  fillTable('dbs', now.dbs.map(([db, keys, expires]) => [`db${db}`, keys, expires]), ['database', 'keys', 'with a TTL']);
  fillTable(
    'slowlog',
    now.slowlog.map((e) => [e.id, new Date(e.time * 1000).toLocaleTimeString(), e.usec, e.command]),
    ['id', 'time', 'µs', 'command'],
  );
  fillTable('persistence', now.persistence);
  fillTable('replication', now.replication);
}

window.mnemoDashboard = { updates: 0, points: 0, opsPerSecond: 0, charts };

const interval = new URLSearchParams(location.search).get('interval') ?? '1000';
const events = new EventSource(`events?interval=${encodeURIComponent(interval)}`);
const stateLabel = document.getElementById('state');
let previous = null;
events.onopen = () => {
  stateLabel.textContent = 'live';
  stateLabel.classList.remove('down');
};
events.onerror = () => {
  stateLabel.textContent = 'disconnected (retrying)';
  stateLabel.classList.add('down');
};
events.onmessage = (message) => {
  const now = JSON.parse(message.data);
  if (previous !== null) update(now, previous);
  showTables(now);
  previous = now;
  window.mnemoDashboard.updates++;
};
