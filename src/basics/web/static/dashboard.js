/* Basics dashboard: the charts of each page, drawn with the vendored uPlot.
 *
 * Data comes from the page itself (<script id="chart-data">, written by the server from the
 * same services as the API) or from the API (the cost and breakdown of a selection). Text
 * from data is only ever set with textContent: names from webhooks stay text. */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const zone = document.body.dataset.zone || "UTC";
  const tzDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), zone);
  const localFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const colors = {
    line: "#2e5aac", even: "#98a2b3", objective: "#b42318", limit: "#b54708",
    incident: "rgba(212, 45, 45, 0.18)", firing: "rgba(230, 140, 20, 0.85)",
    caught: "rgba(18, 128, 92, 0.85)",
  };

  // -- helpers -------------------------------------------------------------------------

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }

  // As the server writes times: 2026-03-02 14:05:30, in the configured zone.
  function localTime(iso) {
    const part = {};
    for (const p of localFormat.formatToParts(new Date(iso))) part[p.type] = p.value;
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
  }

  function timeNode(iso) {
    return el("time", localTime(iso), { datetime: iso, title: iso.replace("T", " ").replace("Z", " UTC") });
  }

  function percent(value, digits) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(digits) + "%";
  }

  function number(value) {
    return value === null || value === undefined ? "—" : Math.round(value).toLocaleString("en-US");
  }

  function isoSeconds(seconds) {
    return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
  }

  function widthOf(node) {
    return Math.max(160, Math.floor(node.getBoundingClientRect().width));
  }

  function query() {
    return new URLSearchParams(window.location.search);
  }

  function setQuery(changes) {
    const params = query();
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === "") params.delete(k);
      else params.set(k, v);
    }
    const text = params.toString();
    history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
  }

  const charts = [];
  function chart(opts, values, target) {
    const plot = new uPlot(Object.assign({ width: widthOf(target), tzDate }, opts), values, target);
    charts.push([plot, target]);
    return plot;
  }
  window.addEventListener("resize", () => {
    for (const [plot, target] of charts) {
      plot.setSize({ width: widthOf(target), height: plot.height });
    }
  });

  // Spans (incidents, firings) drawn over a time chart: full height, or in a lane.
  function spansPlugin(spans, color, lane) {
    return {
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          const { left, top, width, height } = u.bbox;
          ctx.save();
          ctx.beginPath();
          ctx.rect(left, top, width, height);
          ctx.clip();
          for (const span of spans) {
            const x0 = u.valToPos(span.from, "x", true);
            const x1 = u.valToPos(span.to, "x", true);
            ctx.fillStyle = typeof color === "function" ? color(span) : color;
            const y0 = lane ? lane(u, span)[0] : top;
            const y1 = lane ? lane(u, span)[1] : top + height;
            ctx.fillRect(x0, y0, Math.max(2, x1 - x0), y1 - y0);
          }
          ctx.restore();
        }],
      },
    };
  }

  // Deploys as vertical markers over a time chart: links to the deploys page in the chart's
  // overlay, placed again at every draw (a resize or a zoom moves them), with the version
  // and status in their tooltip. Failed, rolled-back and incident-linked deploys are styled
  // apart (dashboard.css). Each chart needs its own: the markers are its elements.
  function deploysPlugin(marks) {
    const nodes = [];
    return {
      hooks: {
        draw: [(u) => {
          if (!nodes.length) {
            for (const m of marks) {
              const node = el("a", undefined, {
                class: `deploy-marker deploy-${m.status}` + (m.linked ? " deploy-linked" : ""),
                href: m.href, title: m.label, "aria-label": m.label, draggable: "false",
                "data-deploy": m.id, "data-status": m.status, "data-linked": String(m.linked),
              });
              u.over.appendChild(node);
              nodes.push(node);
            }
          }
          const width = u.over.getBoundingClientRect().width;
          let shown = 0;
          marks.forEach((m, i) => {
            const x = u.valToPos(m.t, "x");
            const inside = x >= 0 && x <= width;
            nodes[i].style.left = x + "px";
            nodes[i].style.display = inside ? "" : "none";
            shown += inside ? 1 : 0;
          });
          u.root.dataset.deploys = String(shown);
        }],
      },
    };
  }

  function hline(value, color) {
    return {
      hooks: {
        draw: [(u) => {
          const y = u.valToPos(value, "y", true);
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = color;
          ctx.setLineDash([5, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.restore();
        }],
      },
    };
  }

  // -- overview ------------------------------------------------------------------------

  function overview() {
    for (const node of document.querySelectorAll(".spark")) {
      const burn = data.burn[node.dataset.slo] || [];
      const max = Math.max(2, ...burn.filter((v) => v !== null));
      chart({
        width: 140, height: 32, legend: { show: false }, cursor: { show: false },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: true }, y: { range: [0, max] } },
        series: [{}, { stroke: colors.line, width: 1, fill: "rgba(46,90,172,0.12)" }],
        plugins: [hline(1, colors.even)],
      }, [data.t, burn], node);
    }
    charts.length = 0; // sparklines keep their size
  }

  // -- SLO -----------------------------------------------------------------------------

  function slo() {
    const step = data.step_s;
    const xs = data.t;
    const evenSpend = xs.map((t) => {
      const start = xs[0];
      return 1 - (t + step - start) / (data.end - start);
    });
    const sync = uPlot.sync("slo");
    const base = {
      height: 200,
      scales: { x: { time: true, range: [xs[0], data.end] } },
      cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: sync.key } },
      hooks: { setSelect: [onSelect] },
    };
    const marks = () => [
      spansPlugin(data.incidents, colors.incident),
      spansPlugin(data.firings, colors.firing, (u) => [u.bbox.top + u.bbox.height - 6 * devicePixelRatio, u.bbox.top + u.bbox.height]),
      deploysPlugin(data.deploys),
    ];
    const axisPercent = (digits) => ({ values: (u, splits) => splits.map((v) => (v * 100).toFixed(digits) + "%"), size: 72 });
    const plots = [
      chart(Object.assign({}, base, {
        series: [{}, { label: "budget left", stroke: colors.line, width: 2, value: (u, v) => percent(v, 1) },
          { label: "even spend", stroke: colors.even, dash: [6, 4], value: (u, v) => percent(v, 1) }],
        axes: [{}, axisPercent(0)],
        plugins: marks(),
      }), [xs, data.budget_remaining, evenSpend], document.getElementById("chart-budget")),
      chart(Object.assign({}, base, {
        series: [{}, { label: "SLI", stroke: colors.line, width: 1.5, value: (u, v) => percent(v, 3) }],
        axes: [{}, axisPercent(2)],
        plugins: marks().concat([hline(data.objective, colors.objective)]),
      }), [xs, data.sli], document.getElementById("chart-sli")),
      chart(Object.assign({}, base, {
        series: [{}, { label: "burn rate", stroke: colors.line, width: 1.5, value: (u, v) => (v === null ? "—" : v.toFixed(2)) }],
        scales: { x: base.scales.x, y: { range: (u, lo, hi) => [0, Math.max(2, hi || 0)] } },
        plugins: marks().concat([hline(1, colors.even)]),
      }), [xs, data.burn_rate], document.getElementById("chart-burn")),
    ];

    // The charts share a cursor, so one drag selects on each of them: the first to report
    // (the one dragged) decides the interval.
    let pending = null;
    function onSelect(u) {
      if (u.select.width < 3 || pending) return;
      pending = {
        from: isoSeconds(Math.floor(u.posToVal(u.select.left, "x"))),
        to: isoSeconds(Math.ceil(u.posToVal(u.select.left + u.select.width, "x"))),
      };
      setTimeout(() => {
        const chosen = pending;
        pending = null;
        setQuery({ from: chosen.from, to: chosen.to, value: null });
        select(chosen.from, chosen.to);
      }, 0);
    }

    function showSelection(from, to) {
      for (const plot of plots) {
        const a = plot.valToPos(Date.parse(from) / 1000, "x");
        const b = plot.valToPos(Date.parse(to) / 1000, "x");
        plot.setSelect({ left: a, width: Math.max(1, b - a), top: 0, height: plot.bbox.height / devicePixelRatio }, false);
      }
    }

    document.getElementById("selection-clear").addEventListener("click", () => {
      for (const plot of plots) plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
      setQuery({ from: null, to: null, value: null });
      document.getElementById("selection").hidden = true;
    });
    for (const button of document.querySelectorAll("#breakdown-tabs button")) {
      button.addEventListener("click", () => {
        setQuery({ by: button.dataset.by, value: null });
        const params = query();
        breakdown(params.get("from"), params.get("to"));
      });
    }

    if (data.selection) {
      // uPlot sets its scales on its first draw, after this script: mark the interval then.
      requestAnimationFrame(() => showSelection(data.selection.from, data.selection.to));
      select(data.selection.from, data.selection.to);
    }
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body;
  }

  let asked = 0; // answers to an earlier selection than the latest are dropped

  async function select(from, to) {
    const mine = ++asked;
    const section = document.getElementById("selection");
    section.hidden = false;
    const range = document.getElementById("selection-range");
    range.replaceChildren(timeNode(from), document.createTextNode(" – "), timeNode(to));
    const params = new URLSearchParams({ from, to });
    const costUrl = data.api.cost + "?" + params;
    section.dataset.state = "loading";
    try {
      const cost = await fetchJson(costUrl);
      if (mine !== asked) return;
      const bad = document.getElementById("cost-bad");
      bad.textContent = number(cost.bad);
      bad.dataset.value = cost.bad;
      const total = document.getElementById("cost-total");
      total.textContent = number(cost.total);
      total.dataset.value = cost.total;
      const share = document.getElementById("cost-share");
      share.textContent = percent(cost.share_of_budget, 2);
      share.dataset.value = cost.share_of_budget === null ? "" : cost.share_of_budget;
      const note = document.getElementById("cost-budget");
      note.replaceChildren(
        document.createTextNode(`The window's budget allows ${cost.budget_events.toLocaleString("en-US")} bad events (`),
        timeNode(cost.window_start), document.createTextNode(" – "), timeNode(cost.window_end),
        document.createTextNode("). "),
        el("a", "JSON", { href: costUrl }));
      section.dataset.state = "cost";
    } catch (error) {
      document.getElementById("cost-bad").textContent = error.message;
      section.dataset.state = "error";
      return;
    }
    await breakdown(from, to, mine);
  }

  async function breakdown(from, to, mine) {
    const params = query();
    const by = params.get("by") || data.by || "auto";
    const picked = params.get("value");
    for (const button of document.querySelectorAll("#breakdown-tabs button")) {
      button.setAttribute("aria-pressed", String(button.dataset.by === by));
    }
    const url = data.api.breakdown + "?" + new URLSearchParams({ by, from, to, top: "10" });
    const body = document.querySelector("#breakdown tbody");
    const note = document.getElementById("breakdown-note");
    let found;
    try {
      found = await fetchJson(url);
      if (mine !== undefined && mine !== asked) return;
    } catch (error) {
      note.textContent = error.message;
      body.replaceChildren();
      return;
    }
    const results = Array.isArray(found) ? found : [found];
    const rows = [];
    for (const result of results) {
      for (const c of result.contributors) {
        const row = el("tr", undefined, { "data-dimension": result.dimension });
        row.append(el("td", result.dimension));
        const cell = el("td");
        const button = el("button", c.value === null ? "(none)" : c.value, { type: "button", class: "value" });
        button.addEventListener("click", () => {
          setQuery({ by: BREAKDOWNS.includes(result.dimension) ? result.dimension : "auto", value: c.value });
          breakdown(from, to);
        });
        cell.append(button);
        row.append(cell, el("td", number(c.bad), { class: "num", "data-value": c.bad }),
          el("td", percent(c.share_of_bad, 1), { class: "num" }),
          el("td", percent(c.share_of_all, 1), { class: "num" }),
          el("td", c.over_representation === null ? "—" : c.over_representation.toFixed(1), { class: "num" }));
        if (picked !== null && c.value === picked) row.classList.add("picked");
        rows.push(row);
      }
    }
    body.replaceChildren(...rows);
    const bad = results.length ? results[0].bad : 0;
    note.replaceChildren(
      document.createTextNode(rows.length ? `${number(bad)} bad events, by ${by}. Click a value to keep it in the URL. ` : "No bad events in the interval. "),
      el("a", "JSON", { href: url }));
    document.getElementById("selection").dataset.state = "done";
  }
  const BREAKDOWNS = ["user", "operation", "auto"];

  // -- alerts --------------------------------------------------------------------------

  function alerts() {
    const lanes = data.lanes;
    const spans = [];
    lanes.forEach((lane, i) => lane.spans.forEach((s) => spans.push(Object.assign({ lane: i, kind: lane.kind === "incident" ? "incident" : s.kind }, s))));
    const laneHeight = 26;
    const target = document.getElementById("chart-timeline");
    const fill = { incident: "rgba(212, 45, 45, 0.55)", caught: colors.caught, false: colors.firing };
    chart({
      height: lanes.length * laneHeight + 50,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, y: false, points: { show: false } },
      scales: { x: { time: true, range: [data.from, data.to] }, y: { range: [0, lanes.length] } },
      series: [{}, { show: false }],
      axes: [{}, {
        size: 120, splits: () => lanes.map((_, i) => i + 0.5), grid: { show: false },
        values: (u, splits) => splits.map((s) => (lanes[lanes.length - 1 - Math.floor(s)] || {}).label || ""),
      }],
      plugins: [spansPlugin(spans, (s) => fill[s.kind], (u, s) => {
        const row = lanes.length - 1 - s.lane;
        const y0 = u.valToPos(row + 0.8, "y", true);
        const y1 = u.valToPos(row + 0.2, "y", true);
        return [y0, y1];
      }), deploysPlugin(data.deploys)],
    }, [[data.from, data.to], [null, null]], target);
  }

  // -- on-call -------------------------------------------------------------------------

  function oncall() {
    const shifts = data.shifts;
    const target = document.getElementById("chart-shifts");
    if (!shifts.length) {
      target.textContent = "No shifts in the range.";
      return;
    }
    const xs = shifts.map((s) => s.t);
    const pad = 4 * 86400;
    chart({
      height: 220,
      scales: { x: { time: true, range: [xs[0] - pad, xs[xs.length - 1] + pad] } },
      series: [{}, {
        label: "pages", stroke: colors.line, fill: "rgba(46,90,172,0.35)", width: 1,
        paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false },
      }, {
        label: "limit (2 per 12 h)", stroke: colors.limit, dash: [6, 4], width: 2,
        paths: uPlot.paths.stepped({ align: 1 }), points: { show: true, size: 6 },
      }],
      axes: [{}, { size: 50 }],
    }, [xs, shifts.map((s) => s.pages), shifts.map((s) => s.limit)], target);
  }

  // -- deploys ------------------------------------------------------------------------

  const WEEK_S = 7 * 86400;

  // Bars `size` of the gap between weeks wide, at most `max` px.
  function barSeries(label, stroke, fill, size, max) {
    return {
      label, stroke, fill, width: 1, points: { show: false },
      paths: uPlot.paths.bars({ size: [size, max] }),
      value: (u, v) => (v === null || v === undefined ? "—" : String(Math.round(v * 10) / 10)),
    };
  }

  // Weeks drawn as bars in the middle of each week (the data gives their Mondays).
  function weekAxis(starts) {
    return {
      xs: starts.map((t) => t + WEEK_S / 2),
      range: [starts[0], starts[starts.length - 1] + WEEK_S],
    };
  }

  function deploys() {
    const target = document.getElementById("chart-weekly");
    if (!data.deploys.some((n) => n > 0)) {
      target.textContent = "No deploys in the range.";
      return;
    }
    const weeks = weekAxis(data.t);
    chart({
      height: 200,
      scales: { x: { time: true, range: weeks.range }, y: { range: (u, lo, hi) => [0, Math.max(2, hi || 0)] } },
      series: [{}, barSeries("deploys", colors.line, "rgba(46,90,172,0.35)", 0.7, 100),
        barSeries("failed changes", colors.objective, "rgba(180,35,24,0.8)", 0.7, 100)],
      axes: [{}, { size: 40 }],
    }, [weeks.xs, data.deploys, data.failed.map((n) => n || null)], target);
  }

  // -- toil ----------------------------------------------------------------------------

  // Each week's cap as a dashed segment from its Monday to the next.
  function weeklyLine(starts, values, color) {
    return {
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = color;
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.beginPath();
          starts.forEach((t, i) => {
            const y = u.valToPos(values[i], "y", true);
            ctx.moveTo(u.valToPos(t, "x", true), y);
            ctx.lineTo(u.valToPos(t + WEEK_S, "x", true), y);
          });
          ctx.stroke();
          ctx.restore();
        }],
      },
    };
  }

  function toil() {
    const target = document.getElementById("chart-toil");
    const weeks = weekAxis(data.t);
    const top = Math.max(1, ...data.cap);
    chart({
      height: 220,
      scales: { x: { time: true, range: weeks.range }, y: { range: (u, lo, hi) => [0, Math.max(top, hi || 0) * 1.1] } },
      series: [{}, barSeries("toil h", colors.line, "rgba(46,90,172,0.45)", 0.7, 100),
        barSeries("over the cap h", colors.objective, "rgba(180,35,24,0.8)", 0.7, 100),
        barSeries("on-call h (from pages)", "#6941c6", "rgba(105,65,198,0.6)", 0.3, 40)],
      axes: [{}, { size: 50, values: (u, splits) => splits.map((v) => v + " h") }],
      plugins: [weeklyLine(data.t, data.cap, colors.limit)],
    }, [weeks.xs, data.within, data.over, data.oncall], target);
  }

  const pages = { overview, slo, alerts, oncall, deploys, toil };
  const page = pages[document.body.dataset.page];
  if (page) page();
})();
