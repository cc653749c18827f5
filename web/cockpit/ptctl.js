// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl's Cockpit page. It talks to the system only through
 * cockpit's spawn of ptctl -j and its arguments, superuser "require": each
 * argument its own argv element, never a shell. Whatever comes from ptctl
 * (rule names, addresses, error texts, events) goes into the page as text
 * (textContent, createTextNode), never as HTML.
 *
 * State: the interfaces ptctl is loaded on and their rules (`ptctl -j list
 * --all`), and for the selected one `ptctl -j status`, every REFRESH_MS, at
 * once after each event of `ptctl -j monitor` (streamed) and after each
 * command.
 */
"use strict";

(function () {
    const REFRESH_MS = 2000; // periodic refresh (the issue: at most 2 s)
    const HISTORY_MS = 5 * 60 * 1000; // chart window
    const MAX_EVENTS = 200;

    const $ = (id) => document.getElementById(id);

    const state = {
        devs: [], // interfaces ptctl is loaded on
        dev: null, // the selected one
        discovered: false,
        list: null, // last `ptctl -j list` of dev
        status: null, // last `ptctl -j status` of dev
        events: {}, // dev -> events, newest first
        history: {}, // dev -> [{ t, total, rules: {name: packets} }]
        monitor: null, // { dev, proc }
        monitorRetry: null,
        refreshing: false,
        again: false,
        rows: new Map(), // rule name -> row elements
    };

    /* ptctl -j ARGS as root. Resolves (never rejects) with { ok, json, error }:
     * error is ptctl's "Error: ..." text, or what went wrong spawning it. */
    function ptctl(args) {
        return new Promise((resolve) => {
            const proc = cockpit.spawn(["ptctl", "-j"].concat(args), { superuser: "require", err: "message" });
            proc.then(
                (out) => resolve({ ok: true, json: parse(out), error: null }),
                (ex, out) => {
                    const json = parse(out);
                    let error;
                    if (json && typeof json.error === "string") error = "Error: " + json.error;
                    else if (ex && ex.message && /^Error: /m.test(ex.message))
                        error = ex.message.trim();
                    else if (ex && ex.problem === "not-found")
                        error = "Error: ptctl is not installed (not found in PATH)";
                    else if (ex && ex.problem === "access-denied")
                        error = "Error: administrative access is needed (turn it on in Cockpit's top bar)";
                    else error = "Error: " + cockpit.message(ex);
                    resolve({ ok: false, json, error, exit: ex && ex.exit_status });
                }
            );
        });
    }

    function parse(out) {
        if (!out) return null;
        try {
            return JSON.parse(out);
        } catch (e) {
            return null;
        }
    }

    /* ---- small DOM helpers: text only ---- */

    function el(tag, opts, children) {
        const e = document.createElement(tag);
        if (opts) {
            if (opts.cls) e.className = opts.cls;
            if (opts.text !== undefined) e.textContent = opts.text;
            if (opts.label) e.setAttribute("data-label", opts.label);
        }
        for (const c of children || []) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
        return e;
    }

    function setText(node, text) {
        text = text === null || text === undefined ? "" : String(text);
        if (node.textContent !== text) node.textContent = text;
    }

    function show(node, on) {
        node.hidden = !on;
    }

    function showError(node, text) {
        setText(node, text || "");
        show(node, !!text);
    }

    function duration(s) {
        if (s === null || s === undefined) return "";
        s = Math.max(0, Math.round(s));
        if (s === 0) return "0s";
        const parts = [];
        const units = [
            ["d", 86400],
            ["h", 3600],
            ["m", 60],
            ["s", 1],
        ];
        for (const [u, n] of units) {
            if (s >= n) {
                parts.push(Math.floor(s / n) + u);
                s %= n;
            }
            if (parts.length === 2) break;
        }
        return parts.join(" ");
    }

    function count(n) {
        n = Number(n) || 0;
        if (n < 10000) return String(n);
        const units = ["k", "M", "G", "T"];
        let i = -1;
        while (n >= 1000 && i < units.length - 1) {
            n /= 1000;
            i++;
        }
        return n.toFixed(n < 10 ? 1 : 0) + units[i];
    }

    function bytes(n) {
        n = Number(n) || 0;
        const units = ["B", "KiB", "MiB", "GiB", "TiB"];
        let i = 0;
        while (n >= 1024 && i < units.length - 1) {
            n /= 1024;
            i++;
        }
        return (i ? n.toFixed(1) : String(n)) + " " + units[i];
    }

    /* ---- interfaces ---- */

    /* Every interface ptctl is loaded on, with its rules: `ptctl -j list --all`. */
    async function discover() {
        const r = await ptctl(["list", "--all"]);
        const j = r.json;
        if (j && Array.isArray(j.instances))
            return { devs: j.instances.map((i) => i.dev), lists: j.instances };
        return { devs: null, error: r.error };
    }

    function setDevs(devs) {
        const sel = $("dev");
        const same = devs.length === state.devs.length && devs.every((d, i) => d === state.devs[i]);
        state.devs = devs;
        if (!devs.includes(state.dev)) selectDev(devs.length ? devs[0] : null);
        if (!same) {
            while (sel.firstChild) sel.removeChild(sel.firstChild);
            for (const d of devs) {
                const o = el("option", { text: d });
                o.value = d;
                sel.appendChild(o);
            }
        }
        if (state.dev) sel.value = state.dev;
        show($("dev-field"), devs.length > 1);
        show($("not-loaded"), devs.length === 0);
        show($("loaded"), devs.length > 0);
    }

    function selectDev(dev) {
        if (state.dev === dev) return;
        state.dev = dev;
        state.list = null;
        state.status = null;
        for (const [, row] of state.rows) row.tr.remove();
        state.rows.clear();
        startMonitor();
        renderEvents();
        renderChart();
    }

    /* ---- refresh ---- */

    async function refresh() {
        if (state.refreshing) {
            state.again = true;
            return;
        }
        state.refreshing = true;
        try {
            do {
                state.again = false;
                await refreshOnce();
            } while (state.again);
        } finally {
            state.refreshing = false;
        }
    }

    async function refreshOnce() {
        const d = await discover();
        if (!d.devs) {
            showError($("page-error"), d.error);
            setText($("page-status"), "");
            return;
        }
        showError($("page-error"), "");
        state.discovered = true;
        setDevs(d.devs);
        show($("page-status"), false);
        if (!state.dev) return;
        const dev = state.dev;
        const listed = d.lists.find((i) => i.dev === dev);
        const list = listed ? { ok: true, json: listed } : await ptctl(["list", "--dev", dev]);
        const status = await ptctl(["status", "--dev", dev]);
        if (state.dev !== dev) return;
        if (list.json && Array.isArray(list.json.rules)) {
            state.list = list.json;
            sample(dev, list.json.rules);
            showError($("page-error"), "");
        } else {
            showError($("page-error"), list.error);
        }
        if (status.json && status.json.health) state.status = status.json;
        render();
    }

    let soon = null;
    function refreshSoon() {
        if (soon) return;
        soon = window.setTimeout(() => {
            soon = null;
            refresh();
        }, 50);
    }

    /* ---- chart data ---- */

    function sample(dev, rules) {
        const h = state.history[dev] || (state.history[dev] = []);
        const now = Date.now();
        const s = { t: now, rules: {} };
        for (const r of rules) s.rules[r.name] = (Number(r.pkts_in) || 0) + (Number(r.pkts_out) || 0);
        h.push(s);
        while (h.length && h[0].t < now - HISTORY_MS - REFRESH_MS) h.shift();
    }

    function firstSample(dev) {
        const h = state.history[dev];
        return h && h.length ? h[0].t : null;
    }

    /* Packets a second between samples, of one rule (name) or all (null). */
    function rates(dev, name) {
        const h = state.history[dev] || [];
        const out = [];
        for (let i = 1; i < h.length; i++) {
            const a = h[i - 1],
                b = h[i];
            const dt = (b.t - a.t) / 1000;
            if (dt <= 0) continue;
            let d = 0;
            const names = name === null ? Object.keys(b.rules) : [name];
            for (const n of names) {
                if (!(n in b.rules)) continue;
                const prev = a.rules[n];
                // A new or re-created rule starts from its own count.
                d += prev === undefined || b.rules[n] < prev ? b.rules[n] : b.rules[n] - prev;
            }
            out.push({ t: b.t, v: d / dt });
        }
        return out;
    }

    const SVG = "http://www.w3.org/2000/svg";
    function svg(tag, attrs) {
        const e = document.createElementNS(SVG, tag);
        for (const k in attrs) e.setAttribute(k, String(attrs[k]));
        return e;
    }

    /* An SVG line chart of points [{t, v}] over the last HISTORY_MS, or since
     * the first sample when the page has been open for less. */
    function lineChart(points, w, h, withAxes, since) {
        const now = Date.now();
        const start = Math.min(now - 10000, Math.max(now - HISTORY_MS, since || now));
        const max = Math.max(1, ...points.map((p) => p.v));
        const pad = withAxes ? { l: 44, r: 6, t: 8, b: 18 } : { l: 1, r: 1, t: 2, b: 2 };
        const iw = w - pad.l - pad.r,
            ih = h - pad.t - pad.b;
        const x = (t) => pad.l + (iw * (t - start)) / (now - start);
        const y = (v) => pad.t + ih * (1 - v / max);
        const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: withAxes ? "pt-chart-svg" : "pt-spark", role: "img" });
        root.setAttribute("preserveAspectRatio", "none");
        if (withAxes) {
            root.appendChild(svg("line", { x1: pad.l, y1: pad.t, x2: w - pad.r, y2: pad.t, class: "pt-grid" }));
            root.appendChild(svg("line", { x1: pad.l, y1: pad.t + ih, x2: w - pad.r, y2: pad.t + ih, class: "pt-axis" }));
            const top = svg("text", { x: pad.l - 4, y: pad.t + 4, class: "pt-axis-label", "text-anchor": "end" });
            top.textContent = count(Math.round(max)) + "/s";
            root.appendChild(top);
            const zero = svg("text", { x: pad.l - 4, y: pad.t + ih + 4, class: "pt-axis-label", "text-anchor": "end" });
            zero.textContent = "0";
            root.appendChild(zero);
            const left = svg("text", { x: pad.l, y: h - 2, class: "pt-axis-label" });
            left.textContent = duration((now - start) / 1000) + " ago";
            root.appendChild(left);
            const right = svg("text", { x: w - pad.r, y: h - 2, class: "pt-axis-label", "text-anchor": "end" });
            right.textContent = "now";
            root.appendChild(right);
        }
        const pts = points.filter((p) => p.t >= start);
        if (pts.length) {
            const line = pts.map((p) => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1));
            const area = [x(pts[0].t).toFixed(1) + "," + (pad.t + ih)].concat(line, [x(pts[pts.length - 1].t).toFixed(1) + "," + (pad.t + ih)]);
            root.appendChild(svg("polygon", { points: area.join(" "), class: "pt-area" }));
            root.appendChild(svg("polyline", { points: line.join(" "), class: "pt-line" }));
        }
        return root;
    }

    function renderChart() {
        const box = $("chart");
        while (box.firstChild) box.removeChild(box.firstChild);
        if (!state.dev) return;
        const r = rates(state.dev, null);
        const chart = lineChart(r, Math.max(200, box.clientWidth || 600), 140, true, firstSample(state.dev));
        const last = r.length ? r[r.length - 1].v : 0;
        chart.setAttribute("aria-label", `Forwarded packets a second, last 5 minutes; now ${last.toFixed(1)}/s`);
        box.appendChild(chart);
    }

    /* ---- rendering ---- */

    function render() {
        renderStatus();
        renderRules();
        renderChart();
    }

    function renderStatus() {
        const s = state.status || state.list;
        if (!s) return;
        setText($("st-dev"), s.dev);
        setText($("st-mode"), s.xdp_mode ? "XDP " + s.xdp_mode : "");
        const wan = (s.wan_addrs || []).join(", ") || "none";
        setText($("st-wan"), wan + (s.wan_addr_pinned ? " (pinned)" : ""));
        const fp = s.fastpath || [];
        setText($("st-fast"), fp.length ? fp.join(", ") + (s.fastpath_tcp ? " (UDP and TCP)" : " (UDP)") : "off");
        const h = s.health || {};
        const warnings = [];
        if (h.ok === false) warnings.push("Degraded: " + (h.problem || "unknown problem") + ". Run 'ptctl load " + s.dev + "' to attach it again.");
        if (s.indexes_consistent === false) warnings.push("The rule indexes are inconsistent (see 'ptctl status').");
        setText($("st-health"), h.ok === false ? "degraded" : "healthy");
        $("st-health").className = h.ok === false ? "pt-bad" : "pt-good";
        const ul = $("st-warnings");
        const now = Array.from(ul.children).map((li) => li.textContent);
        if (now.join("\n") !== warnings.join("\n")) {
            while (ul.firstChild) ul.removeChild(ul.firstChild);
            for (const w of warnings) ul.appendChild(el("li", { cls: "pt-alert pt-alert-warning", text: w }));
        }
    }

    function newRow(name) {
        const tr = el("tr");
        tr.setAttribute("data-rule", name);
        const cells = {};
        const cols = [
            ["name", "Rule"],
            ["trigger", "Trigger"],
            ["open", "Open ports"],
            ["timeout", "Timeout"],
            ["enabled", "Enabled"],
            ["state", "State"],
            ["holder", "Holder"],
            ["left", "Time left"],
            ["counters", "Counters"],
            ["chart", "Forwarded"],
            ["actions", "Actions"],
        ];
        for (const [key, label] of cols) {
            const td = el(key === "name" ? "th" : "td", { label });
            if (key === "name") td.setAttribute("scope", "row");
            cells[key] = td;
            tr.appendChild(td);
        }
        // First cell: the rule's name (a row header), as text.
        setText(cells.name, name);
        const toggle = el("button", { cls: "pt-btn pt-btn-secondary pt-btn-small" });
        toggle.type = "button";
        const release = el("button", { cls: "pt-btn pt-btn-secondary pt-btn-small", text: "Release" });
        release.type = "button";
        const del = el("button", { cls: "pt-btn pt-btn-danger pt-btn-small", text: "Delete" });
        del.type = "button";
        const row = { tr, cells, toggle, release, del, rule: null };
        toggle.addEventListener("click", () => act(row, [row.rule.enabled ? "disable-rule" : "enable-rule", name]));
        release.addEventListener("click", () => act(row, ["release", name]));
        del.addEventListener("click", () => confirmDelete(row, name));
        cells.actions.appendChild(el("div", { cls: "pt-row-actions" }, [toggle, release, del]));
        return row;
    }

    function renderRules() {
        if (!state.list) return;
        const body = $("rules-body");
        const rules = state.list.rules;
        const seen = new Set();
        let prev = null;
        for (const r of rules) {
            seen.add(r.name);
            let row = state.rows.get(r.name);
            if (!row) {
                row = newRow(r.name);
                state.rows.set(r.name, row);
            }
            row.rule = r;
            const c = row.cells;
            setText(c.trigger, r.trigger);
            setText(c.open, (r.open || []).join(", "));
            setText(c.timeout, duration(r.timeout));
            setText(c.enabled, r.enabled ? "yes" : "no");
            setText(c.state, r.state);
            c.state.className = "pt-state pt-state-" + (/^[a-z]+$/.test(r.state) ? r.state : "other");
            // A rule has a holder of each family (IPv4, IPv6), each live or not.
            const holders = [r.holder, r.holder6].filter(Boolean);
            setText(c.holder, holders.join(", ") || "—");
            setText(c.left, r.state === "active" ? duration(Math.max(r.seconds_left || 0, r.seconds_left6 || 0)) : "—");
            setText(
                c.counters,
                `in ${count(r.pkts_in)} pkts (${bytes(r.bytes_in)}), out ${count(r.pkts_out)} pkts (${bytes(r.bytes_out)}); ` +
                    `${count(r.triggers)} triggers, ${count(r.activations)} activations, ${count(r.conflicts)} conflicts`
            );
            setText(row.toggle, r.enabled ? "Disable" : "Enable");
            row.release.disabled = r.state !== "active";
            const spark = lineChart(rates(state.dev, r.name), 120, 28, false, firstSample(state.dev));
            spark.setAttribute("aria-label", `Forwarded packets of ${r.name}, last 5 minutes`);
            while (c.chart.firstChild) c.chart.removeChild(c.chart.firstChild);
            c.chart.appendChild(spark);
            // Keep ptctl's order without moving rows that are in place.
            const want = prev ? prev.nextSibling : body.firstChild;
            if (want !== row.tr) body.insertBefore(row.tr, want);
            prev = row.tr;
        }
        for (const [name, row] of state.rows) {
            if (!seen.has(name)) {
                row.tr.remove();
                state.rows.delete(name);
            }
        }
        show($("rules-empty"), rules.length === 0);
    }

    /* ---- events ---- */

    function eventText(e) {
        const who = [];
        switch (e.event) {
            case "activated":
                who.push(`${e.holder} holds it`);
                break;
            case "conflict":
                who.push(`${e.challenger} was refused, ${e.holder} holds it`);
                break;
            case "expired":
                who.push(`${e.holder || e.previous || "?"} was idle for the timeout`);
                break;
            case "released":
                who.push(`${e.holder || e.previous || "?"} no longer holds it`);
                break;
            case "refused":
                who.push(`${e.host} refused${e.reason ? ": " + e.reason : ""}`);
                break;
            default:
                if (e.holder) who.push(`holder ${e.holder}`);
        }
        if (e.previous && e.event === "activated") who.push(`taken from ${e.previous}`);
        if (e.proto && e.port) who.push(`${e.proto}:${e.port}${e.peer ? " to " + e.peer : ""}`);
        return who.join("; ");
    }

    function eventItem(e) {
        const li = el("li", { cls: "pt-event pt-event-" + (/^[a-z]+$/.test(e.event) ? e.event : "other") });
        li.setAttribute("data-event", String(e.event));
        let time = "";
        if (typeof e.time === "string") {
            const d = new Date(e.time);
            time = isNaN(d) ? e.time : d.toLocaleTimeString();
        }
        li.appendChild(el("span", { cls: "pt-event-time", text: time }));
        li.appendChild(el("span", { cls: "pt-event-kind", text: String(e.event) }));
        li.appendChild(el("span", { cls: "pt-event-rule", text: String(e.rule || "") }));
        li.appendChild(el("span", { cls: "pt-event-text", text: eventText(e) }));
        return li;
    }

    function renderEvents() {
        const ol = $("events");
        while (ol.firstChild) ol.removeChild(ol.firstChild);
        const list = (state.dev && state.events[state.dev]) || [];
        for (const e of list) ol.appendChild(eventItem(e));
        setText($("events-note"), list.length ? "The last 200, newest first." : "No events since this page was opened.");
    }

    function addEvent(dev, e) {
        const list = state.events[dev] || (state.events[dev] = []);
        list.unshift(e);
        if (list.length > MAX_EVENTS) list.length = MAX_EVENTS;
        if (dev !== state.dev) return;
        const ol = $("events");
        ol.insertBefore(eventItem(e), ol.firstChild);
        while (ol.children.length > MAX_EVENTS) ol.removeChild(ol.lastChild);
        setText($("events-note"), "The last 200, newest first.");
    }

    function stopMonitor() {
        if (state.monitorRetry) window.clearTimeout(state.monitorRetry);
        state.monitorRetry = null;
        if (state.monitor) {
            const m = state.monitor;
            state.monitor = null;
            m.stopped = true;
            m.proc.close("terminated");
        }
    }

    /* `ptctl -j monitor --dev DEV`, one JSON event a line, for as long as the
     * page shows DEV; started again (after 5 s) if it ends. */
    function startMonitor() {
        stopMonitor();
        const dev = state.dev;
        if (!dev) return;
        let buf = "";
        const proc = cockpit.spawn(["ptctl", "-j", "monitor", "--dev", dev], { superuser: "require", err: "message" });
        const m = { dev, proc, stopped: false };
        state.monitor = m;
        proc.stream((data) => {
            buf += data;
            let nl;
            while ((nl = buf.indexOf("\n")) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                const e = parse(line);
                if (e && typeof e.event === "string") {
                    addEvent(dev, e);
                    refreshSoon();
                } else if (e && e.error) {
                    showError($("events-note"), "Error: " + e.error);
                }
            }
        });
        const ended = (ex) => {
            if (m.stopped || state.monitor !== m) return;
            state.monitor = null;
            if (ex && ex.message) setText($("events-note"), ex.message.trim());
            state.monitorRetry = window.setTimeout(() => {
                state.monitorRetry = null;
                if (state.dev === dev && !state.monitor) startMonitor();
            }, 5000);
        };
        proc.then(
            () => ended(null),
            (ex) => ended(ex)
        );
    }

    /* ---- actions ---- */

    let busy = false;
    async function act(row, args) {
        if (busy) return;
        busy = true;
        const buttons = [row.toggle, row.release, row.del];
        buttons.forEach((b) => (b.disabled = true));
        try {
            const r = await ptctl(args.concat(["--dev", state.dev]));
            showError($("action-error"), r.ok ? "" : r.error);
        } finally {
            busy = false;
            buttons.forEach((b) => (b.disabled = false));
            await refresh();
        }
    }

    let pendingDelete = null;
    function confirmDelete(row, name) {
        pendingDelete = { row, name };
        setText($("confirm-text"), `Delete the rule ${name} on ${state.dev}? Its holder is released and its flows end.`);
        $("confirm").showModal();
    }

    function setupDialog() {
        const dlg = $("confirm");
        dlg.addEventListener("close", () => {
            const p = pendingDelete;
            pendingDelete = null;
            if (p && dlg.returnValue === "delete") act(p.row, ["del-rule", p.name]);
        });
    }

    function setupAddForm() {
        const form = $("add-form");
        form.addEventListener("submit", async (ev) => {
            ev.preventDefault();
            const v = (id) => $(id).value.trim();
            const args = ["add-rule", v("add-name"), "--dev", state.dev, "--trigger", v("add-trigger"), "--open", v("add-open")];
            if (v("add-timeout")) args.push("--timeout", v("add-timeout"));
            if (v("add-allow")) args.push("--allow", v("add-allow"));
            args.push("--policy", v("add-policy"), "--peer", v("add-peer"));
            const button = $("add-button");
            button.disabled = true;
            showError($("add-error"), "");
            try {
                const r = await ptctl(args);
                if (r.ok) form.reset();
                else showError($("add-error"), r.error);
            } finally {
                button.disabled = false;
            }
            await refresh();
        });
    }

    function setupLoadForm() {
        const form = $("load-form");
        form.addEventListener("submit", async (ev) => {
            ev.preventDefault();
            const iface = $("load-iface").value.trim();
            const button = $("load-button");
            button.disabled = true;
            showError($("load-error"), "");
            try {
                const r = await ptctl(["load", iface]);
                if (!r.ok) showError($("load-error"), r.error);
                else form.reset();
            } finally {
                button.disabled = false;
            }
            await refresh();
        });
    }

    function start() {
        setupAddForm();
        setupLoadForm();
        setupDialog();
        $("dev").addEventListener("change", () => {
            selectDev($("dev").value);
            refresh();
        });
        window.addEventListener("beforeunload", stopMonitor);
        window.addEventListener("resize", renderChart); // drawn to the box's width
        refresh();
        window.setInterval(refresh, REFRESH_MS);
    }

    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
})();
