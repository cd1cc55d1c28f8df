// The dashboard: live figures from /api/events (server-sent events), no build step.
(function () {
  'use strict';
  const stats = { ticks: 0, factors: 0, firstFactorsAt: null, start: performance.now() };
  window.nmfStats = stats;
  const $ = (id) => document.getElementById(id);
  const fmt = (x, d) => (x === null || x === undefined || Number.isNaN(x)) ? '–' : Number(x).toFixed(d);
  const int = (x) => (x === null || x === undefined) ? '–' : Number(x).toLocaleString('en');

  // running error chart: x = time (s), y = error
  const errTimes = [];
  const errValues = [];
  let lastErrorAt = -1;
  const chart = new uPlot({
    width: Math.min(900, window.innerWidth - 60), height: 180,
    scales: { x: { time: true } },
    series: [{}, { label: 'running error', stroke: '#c0392b', width: 1.5 }],
    axes: [{}, { size: 70, values: (u, vals) => vals.map((v) => String(Number(v.toPrecision(3)))) }],
  }, [errTimes, errValues], $('error-chart'));
  function addError(time, value) {
    if (value === null || time <= lastErrorAt) return;
    lastErrorAt = time;
    errTimes.push(time / 1000);
    errValues.push(value);
    if (errTimes.length > 1000) { errTimes.shift(); errValues.shift(); }
    chart.setData([errTimes, errValues]);
  }

  // components
  let layout = null;
  function cell(k, kind) {
    const div = document.createElement('div');
    div.className = 'component ' + kind;
    div.dataset.component = k;
    const title = document.createElement('div');
    title.className = 'title';
    title.textContent = 'component ' + k;
    div.appendChild(title);
    if (kind === 'words') {
      const list = document.createElement('div');
      list.className = 'words';
      div.appendChild(list);
    } else {
      const canvas = document.createElement('canvas');
      canvas.width = kind === 'image' ? 96 : 200;
      canvas.height = kind === 'image' ? 96 : 80;
      div.appendChild(canvas);
      const note = document.createElement('div');
      note.className = 'note muted';
      div.appendChild(note);
    }
    return div;
  }
  function drawComponents(f) {
    stats.factors++;
    if (stats.firstFactorsAt === null) stats.firstFactorsAt = performance.now(); // ms since navigation
    const grid = $('components');
    const key = f.kind + '/' + f.rank;
    if (layout !== key) {
      grid.textContent = '';
      for (let k = 0; k < f.rank; k++) grid.appendChild(cell(k, f.kind));
      layout = key;
    }
    $('display-kind').textContent = '(' + f.kind + ')';
    $('components-version').textContent = 'version ' + f.version;
    f.components.forEach((c, k) => {
      if (!c) return;
      const div = grid.children[k];
      if (f.kind === 'words') drawWords(div, c);
      else if (f.kind === 'image') drawImage(div, c);
      else drawCurve(div, c, f);
    });
    grid.dataset.version = f.version;
  }
  function drawWords(div, c) {
    const list = div.querySelector('.words');
    list.textContent = '';
    const max = c.top.length ? c.top[0].weight : 1;
    // rows of (almost) no weight are not part of the component: a hashed row no word fell in
    // shows as #row at weight 0, so a topic of few words would trail '#…' rows
    c.top.slice(0, 10).filter((t) => t.weight > 1e-3 * max).forEach((t) => {
      const row = document.createElement('div');
      row.className = 'word';
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = t.label === null ? '#' + t.index : t.label;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = Math.max(1, 100 * t.weight / max) + 'px';
      row.appendChild(text);
      row.appendChild(bar);
      list.appendChild(row);
    });
  }
  function drawImage(div, c) {
    const canvas = div.querySelector('canvas');
    const ctx = canvas.getContext('2d');
    const off = document.createElement('canvas');
    off.width = c.width; off.height = c.height;
    const octx = off.getContext('2d');
    const img = octx.createImageData(c.width, c.height);
    let max = 0;
    for (const p of c.pixels) max = Math.max(max, p);
    c.pixels.forEach((p, i) => {
      const g = max > 0 ? Math.round(255 * (1 - p / max)) : 255;
      img.data[4 * i] = g; img.data[4 * i + 1] = g; img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
    });
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  }
  function drawCurve(div, c, f) {
    const canvas = div.querySelector('canvas');
    const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height - 12;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const n = c.curve.length;
    let max = 0;
    for (const v of c.curve) max = Math.max(max, v);
    if (max <= 0) max = 1;
    ctx.fillStyle = '#4a7bd0';
    ctx.strokeStyle = '#4a7bd0';
    if (f.kind === 'spectrum') {
      ctx.beginPath();
      c.curve.forEach((v, i) => {
        const x = (i + 0.5) * w / n, y = h - h * v / max;
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.fillStyle = '#666';
      ctx.strokeStyle = '#bbb';
      ctx.font = '9px sans-serif';
      const hz = (row) => f.hzOffset + f.hzPerRow * row;
      const lo = hz(0), hi = hz(f.dim - 1);
      // ticks at a round step (1, 2 or 5 × 10^k Hz), about four over the axis
      const raw = (hi - lo) / 4, unit = Math.pow(10, Math.floor(Math.log10(raw)));
      const step = unit * (raw / unit >= 5 ? 5 : raw / unit >= 2 ? 2 : 1);
      const xOf = (v) => (v - lo) / (hi - lo) * w;
      const name = (v) => v >= 1000 ? Number((v / 1000).toPrecision(3)) + 'k' : String(Math.round(v));
      // (the fit to labels rounded to 0.1 Hz may put the axis' ends a little off a round value)
      const first = Math.ceil(lo / step - 0.01) * step;
      for (let v = first; hi > lo && v <= hi + 0.01 * step; v += step) {
        const x = xOf(v);
        ctx.beginPath(); ctx.moveTo(x, h); ctx.lineTo(x, h + 3); ctx.stroke();
        const label = name(v) + (v === first ? ' Hz' : '');
        const tx = Math.min(w - ctx.measureText(label).width, Math.max(0, x - ctx.measureText(label).width / 2));
        ctx.fillText(label, tx, canvas.height - 1);
      }
      if (c.peakHz !== undefined) {
        // the peak, marked and named on the curve
        const x = xOf(c.peakHz), label = Math.round(c.peakHz) + ' Hz';
        ctx.fillStyle = '#c0392b';
        ctx.fillRect(x - 0.5, 0, 1, 3);
        ctx.fillText(label, Math.min(w - ctx.measureText(label).width, Math.max(0, x + 3)), 8);
      }
    } else {
      const bw = Math.max(1, w / n);
      c.curve.forEach((v, i) => ctx.fillRect(i * w / n, h - h * v / max, bw, h * v / max));
      ctx.fillStyle = '#666';
      ctx.font = '9px sans-serif';
      ctx.fillText('0', 0, canvas.height - 1);
      const end = String(f.dim - 1);
      ctx.fillText(end, w - ctx.measureText(end).width, canvas.height - 1);
    }
    const note = div.querySelector('.note');
    const labels = c.top.slice(0, 3).map((t) => t.label !== null ? t.label : '#' + t.index).join(', ');
    if (f.kind === 'spectrum' && c.peakHz !== undefined) {
      // the peak in Hz with the top row's note name, and the fundamental when the peaks are harmonics
      const m = c.top.length && c.top[0].label ? /Hz\s+(\S+)$/.exec(c.top[0].label) : null;
      note.textContent = 'peak ' + fmt(c.peakHz, 1) + ' Hz' + (m ? ' ' + m[1] : '')
          + (c.fundamentalHz !== undefined ? ' · f₀ ' + fmt(c.fundamentalHz, 1) + ' Hz' : '');
      note.title = labels;
    } else {
      note.textContent = labels;
    }
  }

  // tables
  function fill(id, rows, cells) {
    const body = $(id).querySelector('tbody');
    body.textContent = '';
    rows.forEach((r) => {
      const tr = document.createElement('tr');
      cells(r).forEach((text) => {
        const td = document.createElement('td');
        td.textContent = text;
        td.title = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  const topText = (top) => top.map((t) => t[0] + ': ' + fmt(t[1], 3)).join('  ');

  function tick(t) {
    stats.ticks++;
    $('model').textContent = t.model + (t.instance ? ' @ ' + t.instance : '');
    $('version').textContent = t.version;
    document.body.dataset.version = t.version;
    $('items-seen').textContent = int(t.itemsSeen);
    $('items-lost').textContent = int(t.itemsLost);
    $('items-rate').textContent = int(Math.round(t.itemsPerSecond));
    $('running-error').textContent = fmt(t.runningError, 4);
    $('dead-count').textContent = int(t.deadLetters);
    $('streams').textContent = t.streams;
    addError(t.updatedAt, t.runningError);
    fill('latest', t.latest || [], (r) => [r.id, r.version, fmt(r.residual, 4), topText(r.top)]);
    fill('worst', t.worst || [], (r) => [r.id, r.version, fmt(r.residual, 4), topText(r.top)]);
    fill('dead-letters', t.deadLetterReasons || [], (d) => [d.key === null ? '–' : d.key, d.kind, d.reason]);
  }

  const events = new EventSource('api/events');
  events.addEventListener('open', () => { $('connection').textContent = 'live'; });
  events.addEventListener('error', () => { $('connection').textContent = 'reconnecting…'; });
  events.addEventListener('history', (e) => JSON.parse(e.data).forEach((p) => addError(p[0], p[2])));
  events.addEventListener('factors', (e) => drawComponents(JSON.parse(e.data)));
  events.addEventListener('tick', (e) => tick(JSON.parse(e.data)));
}());
