'use strict';
// The dedup HTML report. Every text from the corpus enters the document through text nodes
// (textContent, append(string)), never as markup; the data blocks are described in src/html.rs.
(() => {
  const D = JSON.parse(document.getElementById('dedup-data').textContent);
  const app = document.getElementById('app');
  const PER_PAGE = 20;
  const MAX_ROWS = 200;
  const SVG = 'http://www.w3.org/2000/svg';

  // ---- small helpers ------------------------------------------------------------------
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    setProps(el, props);
    for (const k of kids.flat()) if (k != null && k !== false) el.append(k);
    return el;
  }
  function s(tag, props, ...kids) {
    const el = document.createElementNS(SVG, tag);
    setProps(el, props);
    for (const k of kids.flat()) if (k != null && k !== false) el.append(k);
    return el;
  }
  function setProps(el, props) {
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : v);
    }
  }
  const int = (n) => Number(n).toLocaleString('en-US');
  const num = (x, d = 3) => (x == null ? '–' : Number(x).toFixed(d));
  const art = (i) => {
    const a = D.articles[i];
    return { path: a[0], id: a[1], date: a[2], title: a[3], words: a[4], indexed: a[5] };
  };
  const shellQuote = (p) => "'" + p.replace(/'/g, "'\\''") + "'";
  const P = D.parameters;

  // ---- reviewer marks, kept in this browser between visits ------------------------------
  const marks = { clusters: new Set(), members: new Set() };
  const first = D.articles.length ? D.articles[0][0] : '';
  const storeKey = 'dedup-marks:' + JSON.stringify([D.tool, P, D.summary, first]);
  try {
    const saved = JSON.parse(localStorage.getItem(storeKey) || 'null');
    if (saved) {
      saved.clusters.forEach((c) => marks.clusters.add(c));
      saved.members.forEach((m) => marks.members.add(m));
    }
  } catch (_) { /* storage off (private window, policy): marks last for this visit */ }
  function saveMarks() {
    try {
      localStorage.setItem(storeKey, JSON.stringify({
        clusters: [...marks.clusters], members: [...marks.members],
      }));
    } catch (_) { /* as above */ }
    updateMarkBar();
  }

  // Similarity axes use a square-root scale: thresholds sit near 0.1, copies reach 1.
  const W = 560, H = 210, L = 44, R = 12, T = 14, B = 30;
  const sx = (x) => L + Math.sqrt(Math.max(0, x)) * (W - L - R);
  const TICKS = [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1];

  // ---- header and overview ---------------------------------------------------------------
  const S = D.summary;
  app.append(h('header', { className: 'top' },
    h('h1', { text: 'dedup report' }),
    h('span', { className: 'muted', text: `${int(S.articles)} articles · ${int(S.clusters)} clusters · ${D.tool}` })));
  for (const n of D.notes) app.append(h('div', { className: 'note', text: n }));

  const cards = [
    ['Articles', S.articles], ['Clusters', S.clusters], ['In clusters', S.clustered_articles],
    ['Singletons', S.singletons], ['Inputs skipped', S.skipped], ['Files', S.files],
    ['Candidate pairs', S.candidate_pairs], ['Verified pairs', S.verified_pairs],
    ['Copy pairs', S.duplicate_pairs],
  ];
  app.append(h('section', { id: 'overview' },
    h('div', { className: 'cards' },
      cards.map(([label, v]) => h('div', { className: 'card' }, h('b', { text: int(v) }), h('span', { text: label }))))));

  const settings = [
    ['threshold', P.threshold], ['relaxed bound', D.relaxed_threshold],
    ['shingles', `${P.shingle} ${P.ngram}-grams`], ['MinHash', `${P.minhash} × ${P.num_perm}`],
    ['LSH', `${P.bands} bands × ${P.rows} rows`], ['seed', P.seed],
  ];
  app.append(h('div', { className: 'settings' }, h('span', { className: 'muted', text: 'Settings' }),
    settings.map(([k, v]) => h('span', { className: 'setting' }, h('span', { className: 'muted', text: `${k} ` }), h('b', { text: String(v) })))));
  if (D.skipped.length) {
    app.append(h('details', { className: 'skipped' },
      h('summary', { text: `${int(S.skipped)} inputs skipped` + (S.skipped > D.skipped.length ? ` (the first ${D.skipped.length} listed)` : '') }),
      h('table', { className: 'kv' }, D.skipped.map((k) => h('tr', null, h('td', { className: 'path', text: k.path }), h('td', { text: k.reason }))))));
  }
  app.append(h('div', { className: 'panels' },
    h('div', { className: 'panel' }, h('h3', { text: 'Verified pair scores' }),
      h('p', { text: 'Exact Jaccard of every pair LSH proposed and dedup verified (log scale). The copy rule starts from the threshold (red) and, for an article largely contained in the other, the relaxed bound (dashed); a pair\'s signals show what decided it.' }),
      histogram()),
    h('div', { className: 'panel' }, h('h3', { text: 'LSH S-curve' }),
      h('p', { text: `Chance that a pair of a given similarity is proposed for verification with ${P.bands} bands of ${P.rows} rows.` }),
      sCurve())));

  function axes(svg, yLabel) {
    svg.append(s('line', { className: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }));
    svg.append(s('line', { className: 'axis', x1: L, y1: T, x2: L, y2: H - B }));
    for (const t of TICKS) {
      svg.append(s('line', { className: 'grid', x1: sx(t), y1: T, x2: sx(t), y2: H - B }));
      svg.append(s('text', { x: sx(t), y: H - B + 13, 'text-anchor': 'middle', text: String(t) }));
    }
    svg.append(s('text', { x: (W + L) / 2, y: H - 3, 'text-anchor': 'middle', text: 'Jaccard similarity (square-root scale)' }));
    svg.append(s('text', { x: 10, y: (H - B + T) / 2, transform: `rotate(-90 10 ${(H - B + T) / 2})`, 'text-anchor': 'middle', text: yLabel }));
  }
  function thresholds(svg) {
    svg.append(s('line', { className: 'relaxed', x1: sx(D.relaxed_threshold), y1: T, x2: sx(D.relaxed_threshold), y2: H - B }));
    svg.append(s('line', { className: 'thr', x1: sx(P.threshold), y1: T, x2: sx(P.threshold), y2: H - B }));
    svg.append(s('text', { className: 'thr-label', x: sx(P.threshold) + 4, y: T + 9, text: `threshold ${P.threshold}` }));
    svg.append(s('text', { className: 'relaxed-label', x: sx(D.relaxed_threshold) - 4, y: T + 9, 'text-anchor': 'end', text: `relaxed ${D.relaxed_threshold}` }));
  }
  function histogram() {
    const svg = s('svg', { className: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Histogram of verified pair scores' });
    const counts = D.histogram;
    if (!counts.length) {
      svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', text: 'No pair was verified.' }));
      return svg;
    }
    // Neighbouring bins are merged until a bar is at least 3 px wide.
    const bars = [];
    let from = 0, sum = 0;
    counts.forEach((c, i) => {
      sum += c;
      const to = (i + 1) / counts.length;
      if (sx(to) - sx(from) >= 3 || i === counts.length - 1) { bars.push([from, to, sum]); from = to; sum = 0; }
    });
    const top = Math.log10(1 + Math.max(...bars.map((b) => b[2])));
    const sy = (c) => H - B - (top ? Math.log10(1 + c) / top : 0) * (H - B - T - 12);
    axes(svg, 'pairs');
    for (let p = 1; p <= Math.pow(10, top); p *= 10) {
      svg.append(s('text', { x: L - 4, y: sy(p) + 3, 'text-anchor': 'end', text: p >= 1000 ? `${p / 1000}k` : String(p) }));
    }
    for (const [a, b, c] of bars) {
      if (!c) continue;
      const fill = a >= P.threshold - 1e-9 ? '#2457c5' : a >= D.relaxed_threshold - 1e-9 ? '#d69e2e' : '#aab4c0';
      svg.append(s('rect', { x: sx(a) + 0.5, y: sy(c), width: Math.max(1, sx(b) - sx(a) - 1), height: H - B - sy(c), fill },
        s('title', { text: `${a.toFixed(3)}–${b.toFixed(3)}: ${int(c)} pairs` })));
    }
    thresholds(svg);
    return svg;
  }
  function sCurve() {
    const svg = s('svg', { className: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'LSH S-curve' });
    const sy = (p) => H - B - p * (H - B - T);
    axes(svg, 'P(proposed)');
    for (const p of [0, 0.5, 1]) svg.append(s('text', { x: L - 4, y: sy(p) + 3, 'text-anchor': 'end', text: String(p) }));
    svg.append(s('polyline', { className: 'curve', points: D.s_curve.map(([x, p]) => `${sx(x).toFixed(1)},${sy(p).toFixed(1)}`).join(' ') }));
    thresholds(svg);
    const at = (x) => D.s_curve.reduce((best, pt) => (Math.abs(pt[0] - x) < Math.abs(best[0] - x) ? pt : best))[1];
    svg.append(s('text', { x: W - R, y: H - B - 8, 'text-anchor': 'end', text: `P at threshold ≈ ${num(at(P.threshold), 2)} · at relaxed ≈ ${num(at(D.relaxed_threshold), 2)}` }));
    return svg;
  }

  // ---- clusters: filters, marks, pages ---------------------------------------------------
  const C = D.clusters;
  let haystacks = null;
  const haystack = (i) => {
    if (!haystacks) haystacks = new Array(C.length);
    if (haystacks[i] == null) {
      const parts = [];
      for (let k = C[i].start; k < C[i].start + C[i].size; k++) {
        const a = D.articles[k];
        parts.push(a[0], a[1], a[3] || '');
      }
      haystacks[i] = parts.join('\n').toLowerCase();
    }
    return haystacks[i];
  };
  const ctl = {
    q: h('input', { type: 'search', placeholder: 'headline, path or id', 'aria-label': 'search' }),
    minSize: h('input', { type: 'number', min: 2, placeholder: '2' }),
    maxSize: h('input', { type: 'number', min: 2, placeholder: 'any' }),
    minScore: h('input', { type: 'number', min: 0, max: 1, step: 0.01, placeholder: '0' }),
    maxScore: h('input', { type: 'number', min: 0, max: 1, step: 0.01, placeholder: '1' }),
    status: h('select', null, h('option', { value: 'all', text: 'all' }), h('option', { value: 'marked', text: 'marked not a copy' }), h('option', { value: 'unmarked', text: 'not marked' })),
    sort: h('select', null, h('option', { value: 'size', text: 'largest first' }), h('option', { value: 'weak', text: 'weakest link first' }), h('option', { value: 'strong', text: 'strongest link first' })),
  };
  const count = h('span', { className: 'muted' });
  let page = 0;
  let shown = [];
  const list = h('div', { id: 'clusters' });
  const pagers = [h('div', { className: 'pager' }), h('div', { className: 'pager' })];
  const markInfo = h('span', { className: 'muted' });
  const labelsOut = h('textarea', { readonly: true, id: 'labels', 'aria-label': 'labels as JSONL' });
  const exportButton = h('button', { className: 'primary', id: 'export', text: 'Export labels (JSONL)', onclick: exportLabels });
  app.append(h('h2', { text: 'Clusters' }),
    h('div', { className: 'toolbar' },
      h('label', null, 'Search', ctl.q), h('label', null, 'Size', ctl.minSize, '–', ctl.maxSize),
      h('label', null, 'Jaccard', ctl.minScore, '–', ctl.maxScore), h('label', null, 'Show', ctl.status),
      h('label', null, 'Order', ctl.sort), count),
    h('div', { className: 'marks' }, markInfo, exportButton,
      h('details', { style: 'width:100%' }, h('summary', { className: 'hint', text: 'Marks become a labels file for `dedup eval --labels`: each cluster one story, a member or cluster marked "not a copy" a story of its own (kind not_a_copy). Articles outside clusters are not labelled.' }), labelsOut)),
    pagers[0], list, pagers[1]);
  for (const c of Object.values(ctl)) c.addEventListener('input', () => { page = 0; refresh(); });

  function value(input, fallback) {
    const v = parseFloat(input.value);
    return Number.isFinite(v) ? v : fallback;
  }
  function refresh() {
    const q = ctl.q.value.trim().toLowerCase();
    const [lo, hi] = [value(ctl.minSize, 0), value(ctl.maxSize, Infinity)];
    const [slo, shi] = [value(ctl.minScore, 0), value(ctl.maxScore, 1)];
    const status = ctl.status.value;
    shown = [];
    for (let i = 0; i < C.length; i++) {
      const c = C[i];
      if (c.size < lo || c.size > hi) continue;
      // A cluster matches a score range that any of its verified links falls in.
      if (c.score_range[1] < slo || c.score_range[0] > shi) continue;
      const marked = marks.clusters.has(i + 1);
      if ((status === 'marked' && !marked) || (status === 'unmarked' && marked)) continue;
      if (q && !haystack(i).includes(q)) continue;
      shown.push(i);
    }
    if (ctl.sort.value === 'weak') shown.sort((a, b) => C[a].score_range[0] - C[b].score_range[0] || a - b);
    if (ctl.sort.value === 'strong') shown.sort((a, b) => C[b].score_range[1] - C[a].score_range[1] || a - b);
    count.textContent = `${int(shown.length)} of ${int(C.length)} clusters`;
    drawPage();
  }
  function drawPage() {
    const pages = Math.max(1, Math.ceil(shown.length / PER_PAGE));
    page = Math.min(page, pages - 1);
    for (const pager of pagers) {
      pager.replaceChildren(
        h('button', { text: '‹ Previous', disabled: page === 0, onclick: () => { page--; drawPage(); } }),
        h('span', { className: 'muted', text: shown.length ? `${int(page * PER_PAGE + 1)}–${int(Math.min(shown.length, (page + 1) * PER_PAGE))} of ${int(shown.length)} · page ${page + 1} of ${pages}` : '' }),
        h('button', { text: 'Next ›', disabled: page >= pages - 1, onclick: () => { page++; drawPage(); } }));
    }
    const slice = shown.slice(page * PER_PAGE, (page + 1) * PER_PAGE);
    list.replaceChildren(...(slice.length ? slice.map(clusterCard) : [h('p', { className: 'empty', text: 'No cluster matches the filters.' })]));
  }

  function strongest(c) {
    const best = new Array(c.size).fill(null);
    for (const [i, j, jac] of c.links) {
      if (!best[i] || jac > best[i][1]) best[i] = [j, jac];
      if (!best[j] || jac > best[j][1]) best[j] = [i, jac];
    }
    return best;
  }
  function clusterCard(ci) {
    const c = C[ci];
    const number = ci + 1;
    const card = h('article', { className: 'cluster', id: `cluster-${number}` });
    const reject = h('input', { type: 'checkbox', className: 'reject-cluster' });
    reject.checked = marks.clusters.has(number);
    card.classList.toggle('rejected', reject.checked);
    reject.addEventListener('change', () => {
      if (reject.checked) marks.clusters.add(number); else marks.clusters.delete(number);
      card.classList.toggle('rejected', reject.checked);
      saveMarks();
    });
    const [lo, hi] = c.score_range;
    card.append(h('header', null,
      h('h3', null, h('a', { href: `#cluster-${number}`, title: 'link to this cluster', text: `Cluster ${number}` })),
      h('span', { className: 'pill', text: `${c.size} articles` }),
      h('span', { className: 'pill grey', text: lo === hi ? `Jaccard ${num(hi)}` : `Jaccard ${num(lo)}–${num(hi)}` }),
      h('span', { className: 'spacer' }),
      h('label', { className: 'reject', title: 'These articles are not copies of one story' }, reject, 'Not a copy')));
    const best = strongest(c);
    const rows = [];
    for (let k = 0; k < Math.min(c.size, MAX_ROWS); k++) {
      const idx = c.start + k;
      const a = art(idx);
      const out = h('input', { type: 'checkbox', title: 'This article is not a copy of the others', className: 'reject-member' });
      out.checked = marks.members.has(idx);
      const row = h('tr', { className: (k === c.representative ? 'rep ' : '') + (out.checked ? 'out' : '') },
        h('td', { className: 'num', text: String(k + 1) }),
        h('td', null, k === c.representative ? h('span', { className: 'star', title: 'representative', text: '★' }) : ''),
        h('td', { className: 'num', text: a.date || '' }),
        h('td', { className: 'headline' }, a.title || h('span', { className: 'muted', text: '(no headline)' }), a.indexed ? h('span', { className: 'pill grey', text: 'index' }) : ''),
        h('td', { className: 'num', text: int(a.words) }),
        h('td', { className: 'num', title: 'strongest verified link', text: best[k] ? `${num(best[k][1])} ↔ ${best[k][0] + 1}` : '' }),
        h('td', { className: 'path', text: a.path }),
        h('td', null, out));
      out.addEventListener('change', () => {
        if (out.checked) marks.members.add(idx); else marks.members.delete(idx);
        row.classList.toggle('out', out.checked);
        saveMarks();
      });
      rows.push(row);
    }
    card.append(h('table', { className: 'members' },
      h('thead', null, h('tr', null, ['#', '', 'Date', 'Headline', 'Words', 'Best link', 'Path', 'Not a copy'].map((t) => h('th', { text: t })))),
      h('tbody', null, rows)));
    if (c.size > MAX_ROWS) card.append(h('p', { className: 'hint', text: `First ${MAX_ROWS} of ${c.size} members listed; the labels export covers all of them.` }));
    const detail = h('div', { className: 'detail', hidden: true });
    const open = h('button', { className: 'open', text: 'Compare texts ▸' });
    open.addEventListener('click', () => {
      if (detail.hidden && !detail.firstChild) fillDetail(ci, detail);
      detail.hidden = !detail.hidden;
      open.textContent = detail.hidden ? 'Compare texts ▸' : 'Hide texts ▾';
    });
    card.append(h('div', { style: 'margin-top:8px' }, open), detail);
    return card;
  }

  // ---- one cluster's matrix and pair view --------------------------------------------------
  // Unpacked on first use, once: promises of the blocks of clusters' texts and pair signals.
  const blocks = new Map();
  function clusterDetails(ci) {
    if (!C[ci].details) return Promise.resolve(null);
    const [b, k] = C[ci].details;
    if (!blocks.has(b)) {
      const el = document.getElementById(`dedup-b${b}`);
      // The blocks follow the page's code and may still be on their way in.
      if (!el && document.readyState === 'loading') {
        return new Promise((done) => document.addEventListener('DOMContentLoaded', () => done(clusterDetails(ci))));
      }
      blocks.set(b, el ? unpack(el.textContent) : Promise.resolve([]));
    }
    return blocks.get(b).then((block) => block[k] || null);
  }
  async function unpack(base64) {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const json = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return JSON.parse(await new Response(json).text());
  }
  function color(j) {
    // White-blue ramp on the same square-root scale as the charts.
    const t = Math.sqrt(Math.min(1, Math.max(0, j)));
    const mix = (a, b) => Math.round(a + (b - a) * t);
    return `rgb(${mix(232, 23)},${mix(240, 70)},${mix(254, 170)})`;
  }
  function fillDetail(ci, box) {
    box.append(h('p', { className: 'hint', text: 'Unpacking the texts…' }));
    clusterDetails(ci).then((det) => {
      box.replaceChildren();
      drawDetail(ci, box, det);
    }, (err) => {
      box.replaceChildren(h('p', { className: 'note', text: `The texts of this cluster could not be unpacked: ${err}` }));
      console.error(err);
    });
  }
  function drawDetail(ci, box, det) {
    const c = C[ci];
    const n = Math.min(c.size, D.max_members_in_matrix);
    const link = new Map(c.links.map(([i, j, jac]) => [i * c.size + j, jac]));
    const jac = (i, j) => link.get(Math.min(i, j) * c.size + Math.max(i, j));
    const cells = new Map();
    const matrix = h('table', { className: 'matrix' },
      h('tr', null, h('th'), Array.from({ length: n }, (_, j) => h('th', { text: String(j + 1) }))),
      Array.from({ length: n }, (_, i) => h('tr', null, h('th', { text: String(i + 1) }),
        Array.from({ length: n }, (_, j) => {
          if (i === j) return h('td', { className: 'self' });
          const v = jac(i, j);
          const td = h('td', { title: v == null ? `${i + 1} × ${j + 1}: no verified link` : `${i + 1} × ${j + 1}: Jaccard ${num(v)}`, onclick: () => show(Math.min(i, j), Math.max(i, j)) });
          if (v != null) td.style.background = color(v);
          cells.set(i * c.size + j, td);
          return td;
        }))));
    box.append(h('div', { className: 'matrix-wrap' }, matrix),
      h('div', { className: 'legend' },
        h('span', null, h('span', { className: 'swatch', style: `background:${color(0.05)}` }), 'low'),
        h('span', null, h('span', { className: 'swatch', style: `background:${color(1)}` }), 'identical'),
        h('span', null, h('span', { className: 'swatch', style: 'background:#f1f3f6' }), 'no verified link'),
        h('span', { text: 'Click a cell to compare two articles.' }),
        c.size > n ? h('span', { text: `Matrix of the first ${n} of ${c.size} members.` }) : ''));
    const options = () => Array.from({ length: c.size }, (_, k) => {
      const a = art(c.start + k);
      return h('option', { value: k, text: `${k + 1}. ${a.date || 'undated'} · ${(a.title || a.path).slice(0, 80)}` });
    });
    const selA = h('select', { 'aria-label': 'article A' }, options());
    const selB = h('select', { 'aria-label': 'article B' }, options());
    const view = h('div', { className: 'pair' });
    box.append(h('div', { className: 'pair-bar' }, h('b', { text: 'Compare' }), selA, h('span', { text: 'with' }), selB), view);
    let selected = null;
    function show(i, j) {
      selA.value = String(i); selB.value = String(j);
      if (selected) selected.forEach((td) => td && td.classList.remove('sel'));
      selected = [cells.get(i * c.size + j), cells.get(j * c.size + i)];
      selected.forEach((td) => td && td.classList.add('sel'));
      view.replaceChildren(...pairView(c, det, i, j));
    }
    const change = () => {
      const [i, j] = [Number(selA.value), Number(selB.value)];
      if (i !== j) show(i, j);
    };
    selA.addEventListener('change', change);
    selB.addEventListener('change', change);
    // Start with the representative and its closest copy.
    const r = c.representative;
    const b = strongest(c)[r];
    const other = b ? b[0] : (r === 0 ? 1 : 0);
    show(Math.min(r, other), Math.max(r, other));
  }

  function pairView(c, det, i, j) {
    const A = art(c.start + i), B = art(c.start + j);
    let pair = null, flip = false;
    if (det) {
      for (const p of det.pairs) {
        if (p.a === i && p.b === j) { pair = p; break; }
        if (p.a === j && p.b === i) { pair = p; flip = true; break; }
      }
    }
    const out = [];
    if (pair) {
      const rows = det.layouts[pair.layout].map((name, k) => [name, pair.values[k]]);
      const verdict = rows.find(([k]) => k === 'decided_by' || k === 'verdict');
      const copy = rows.find(([k]) => k === 'duplicate' || k === 'is_copy');
      if (verdict || copy) {
        const yes = copy ? copy[1] === true : null;
        out.push(h('div', { className: 'pair-bar' },
          copy ? h('span', { className: 'verdict ' + (yes ? 'copy' : 'nocopy'), text: yes ? 'copies' : 'not copies' }) : '',
          verdict ? h('span', null, h('span', { className: 'muted', text: `${verdict[0].replace(/_/g, ' ')}: ` }), h('b', { className: 'decided', text: String(verdict[1]).replace(/_/g, ' ') })) : ''));
      }
      out.push(h('div', { className: 'signals' }, rows.map(([k, v]) => h('div', null, h('span', { text: k.replace(/_/g, ' ') }), h('span', { text: typeof v === 'number' && !Number.isInteger(v) ? num(v, 4) : String(v) })))));
    } else {
      const both = det && det.texts[i] != null && det.texts[j] != null;
      out.push(h('p', { className: 'hint' },
        both ? 'Signals are computed for every pair of a small cluster and for each member\'s strongest link in a larger one. For this pair run ' : 'The texts of this pair are not in the page (see the note at the top). Run ',
        h('code', { text: `dedup explain ${shellQuote(A.path)} ${shellQuote(B.path)}` })));
    }
    const spans = pair ? (flip ? [pair.spans_b, pair.spans_a] : [pair.spans_a, pair.spans_b]) : [[], []];
    const texts = det ? det.texts : [];
    const cols = [[A, texts[i], spans[0]], [B, texts[j], spans[1]]].map(([a, text, sp], side) =>
      h('div', { className: 'text', 'data-side': side ? 'b' : 'a' },
        h('h4', null, a.title || h('span', { className: 'muted', text: '(no headline)' })),
        h('div', { className: 'meta', text: `${a.date || 'undated'} · ${int(a.words)} words · ${a.path}` }),
        text == null ? h('p', { className: 'hint', text: 'Text not embedded.' }) : h('div', { className: 'body' }, highlighted(text, sp))));
    const both = h('div', { className: 'texts' }, cols);
    // Pointing at a passage lights up the same passage in the other text.
    both.addEventListener('mouseover', (e) => hot(both, e.target, true));
    both.addEventListener('mouseout', (e) => hot(both, e.target, false));
    both.addEventListener('click', (e) => {
      if (e.target.tagName !== 'MARK') return;
      const side = e.target.closest('.text').dataset.side === 'a' ? 'b' : 'a';
      const twin = both.querySelector(`.text[data-side="${side}"] mark[data-p="${e.target.dataset.p}"]`);
      if (twin) twin.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    });
    if (pair && pair.spans_a.length) out.push(h('p', { className: 'hint', text: `${pair.spans_a.length} longest shared passages highlighted; point at one to see it in the other text.` }));
    out.push(both);
    return out;
  }
  function hot(root, target, on) {
    if (target.tagName !== 'MARK') return;
    root.querySelectorAll(`mark[data-p="${target.dataset.p}"]`).forEach((m) => m.classList.toggle('hot', on));
  }
  function highlighted(text, spans) {
    const order = spans.map((sp, k) => [sp[0], sp[1], k]).sort((x, y) => x[0] - y[0]);
    const parts = [];
    let at = 0;
    for (const [from, to, k] of order) {
      const start = Math.max(from, at);
      if (to <= start) continue;
      parts.push(text.slice(at, start), h('mark', { className: `p${k % 6}`, 'data-p': k, text: text.slice(start, to) }));
      at = to;
    }
    parts.push(text.slice(at));
    return parts;
  }

  // ---- labels export -----------------------------------------------------------------------
  function labels() {
    const lines = [];
    C.forEach((c, ci) => {
      const whole = marks.clusters.has(ci + 1);
      for (let k = c.start; k < c.start + c.size; k++) {
        const id = D.articles[k][1];
        const alone = whole || marks.members.has(k);
        lines.push(JSON.stringify({ id, story: alone ? `article:${id}` : `cluster:${ci + 1}`, kind: alone ? 'not_a_copy' : 'copy' }));
      }
    });
    return lines.join('\n') + '\n';
  }
  function exportLabels() {
    const text = labels();
    labelsOut.value = text;
    labelsOut.closest('details').open = true;
    const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
    const a = h('a', { href: url, download: 'dedup-labels.jsonl' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  function updateMarkBar() {
    markInfo.textContent = `${marks.clusters.size} clusters and ${marks.members.size} articles marked "not a copy".`;
  }

  // `report.html#cluster-12` opens cluster 12: a link a reviewer can pass on.
  function openFromHash() {
    const m = /^#cluster-(\d+)$/.exec(location.hash);
    const ci = m ? Number(m[1]) - 1 : -1;
    if (!(ci >= 0 && ci < C.length)) return;
    if (!shown.includes(ci)) {
      for (const c of Object.values(ctl)) c.value = c.tagName === 'SELECT' ? c.options[0].value : '';
      refresh();
    }
    page = Math.floor(shown.indexOf(ci) / PER_PAGE);
    drawPage();
    const card = document.getElementById(`cluster-${ci + 1}`);
    if (card.querySelector('.detail').hidden) card.querySelector('button.open').click();
    card.scrollIntoView();
  }
  window.addEventListener('hashchange', openFromHash);

  updateMarkBar();
  refresh();
  openFromHash();
  document.documentElement.dataset.ready = 'true';
})();
