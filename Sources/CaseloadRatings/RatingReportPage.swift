// The style and script of ``RatingReport``'s page, inline: the page fetches nothing.

extension RatingReport {
    static let css = """

        *{box-sizing:border-box}html{-webkit-text-size-adjust:100%}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;margin:1.5rem auto;max-width:100rem;padding:0 1rem;overflow-wrap:break-word}
        h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin-top:1.6rem;border-bottom:1px solid #d9e2ec;padding-bottom:.2rem}
        h3{font-size:1rem;margin-bottom:.3rem}.lead{color:#52606d;margin-top:0}
        ul.harm{padding-left:1.2rem}ul.harm li{margin:.35rem 0}
        .find{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.3rem 0 .6rem}
        .find input{font:inherit;padding:.3rem .5rem;border:1px solid #9aa5b1;border-radius:4px;width:16rem;max-width:100%}
        #find-status{color:#c0392b;font-size:.9rem}
        figure{margin:0}.scroll{overflow-x:auto;max-width:100%;border:1px solid #e4e7eb;border-radius:4px}
        .scroll svg{display:block;margin:0 auto}figcaption{font-size:.85rem;color:#52606d;margin-top:.3rem}
        .table-wrap{overflow-x:auto;max-width:100%}
        table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d9e2ec;padding:.25rem .5rem;vertical-align:top;text-align:left}
        thead th{background:#f0f4f8}td.n{text-align:right;white-space:nowrap}td.diagonal{color:#9aa5b1}
        tr.enters td{background:#fdecea}tr.leaves td{background:#e9f7ef}td.in-basement{background:#fdecea}
        .up{color:#1e8449}.down{color:#c0392b}.mark{color:#c0392b}small{color:#52606d}code{font-size:.85rem}
        button.who{font:inherit;color:#1f4e9c;background:none;border:0;padding:0;cursor:pointer;text-decoration:underline dotted;text-align:left}
        button.who.selected{background:#fff3c4}
        details{margin:1.5rem 0;border-top:1px solid #d9e2ec;padding-top:.6rem}summary{cursor:pointer;font-weight:600;font-size:1.1rem}
        .rule p{max-width:60rem}.rule .facts{color:#52606d}
        svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#1f2933}svg text.rule{font-weight:700;font-size:13px}
        svg text.tick{fill:#7b8794;font-size:11px}svg text.label{font-size:11px}svg text.label tspan{cursor:pointer}
        svg .axis{stroke:#bcccdc;stroke-width:1}svg .band{stroke:#bcccdc;stroke-dasharray:2 3}svg .zone{fill:#c0392b;fill-opacity:.12}
        svg g line{stroke-width:1.2;fill:none}svg g line.unranked{stroke-dasharray:3 3;stroke-opacity:.6}
        svg g.moves line{stroke:#9aa5b1;stroke-opacity:.55}svg g.moves .dot{fill:#9aa5b1}
        svg g.stays line{stroke:#7b3f00;stroke-opacity:.8}svg g.stays .dot{fill:#7b3f00}
        svg g.enters line{stroke:#c0392b;stroke-width:2}svg g.enters .dot{fill:#c0392b}
        svg g.leaves line{stroke:#1e8449;stroke-width:2;stroke-dasharray:6 3}svg g.leaves .dot{fill:#1e8449}
        svg .dot.in-basement{stroke:#c0392b;stroke-width:1.5;fill:#fff}
        svg .hit{stroke:transparent;stroke-width:9;fill:none;pointer-events:stroke;cursor:pointer}
        svg.has-selection g.t:not(.selected){opacity:.2}svg g.t.selected line{stroke-width:3.5;stroke-opacity:1}
        svg g.t.moves.selected line{stroke:#1f4e9c}svg tspan.selected{font-weight:700;fill:#1f4e9c}
        .key{display:inline-block;padding:0 .4rem;border-left:14px solid}.key.enters{border-color:#c0392b}
        .key.leaves{border-color:#1e8449}.key.stays{border-color:#7b3f00}.key.moves{border-color:#9aa5b1}.key.zone{border-color:#f4cfcb}
        #therapist{position:fixed;right:1rem;bottom:1rem;width:min(36rem,calc(100vw - 2rem));max-height:min(70vh,44rem);overflow:auto;
        background:#fff;border:1px solid #9aa5b1;border-radius:6px;box-shadow:0 4px 18px rgba(0,0,0,.18);padding:.6rem .8rem;z-index:10;font-size:.9rem}
        #therapist[hidden]{display:none}#therapist h3{margin:0 0 .3rem;font-size:1.1rem}#therapist p{margin:.3rem 0}
        #therapist .rule-row{border-top:1px solid #d9e2ec;padding:.2rem 0}#therapist .rule-row.in-basement{background:#fdecea}
        #therapist ul.figures{margin:.1rem 0 .3rem;padding-left:1.1rem}#therapist ul.figures small{display:block}#therapist .reason{color:#7b3f00}
        #therapist .close{float:right;font:inherit;font-size:1.2rem;line-height:1;border:0;background:none;cursor:pointer;padding:0 .2rem}
        #therapist pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f7fa;padding:.4rem .5rem;font-size:.78rem;margin:.3rem 0}
        #therapist .comment{color:#52606d}
        @media (max-width:40rem){body{margin:.75rem auto;padding:0 .6rem}h1{font-size:1.3rem}
        #therapist{left:.4rem;right:.4rem;bottom:.4rem;width:auto;max-height:60vh}}

        """

    /// The panel, the search and the self-test. Data comes from the JSON
    /// element and is only ever set as text, never as markup.
    static let script = #"""

        (function () {
          "use strict";
          var data = JSON.parse(document.getElementById("report-data").textContent);
          var byId = new Map();
          data.therapists.forEach(function (t) { byId.set(t.id, t); });
          var svg = document.querySelector("figure.slopegraph svg");
          var panel = document.getElementById("therapist");
          var find = document.getElementById("find");
          var findStatus = document.getElementById("find-status");
          var pinned = null, shown = null;

          function el(tag, text, cls) {
            var e = document.createElement(tag);
            if (text !== undefined && text !== null) e.textContent = text;
            if (cls) e.className = cls;
            return e;
          }
          function num(v) {
            if (v === null || v === undefined) return "–";
            var a = Math.abs(v);
            return v.toFixed(a >= 1000 ? 0 : a >= 10 ? 1 : 3);
          }
          function rank(r) { return r === null ? "unranked" : "#" + r; }

          function render(t) {
            panel.replaceChildren();
            var close = el("button", "×", "close");
            close.type = "button";
            close.title = "Close";
            close.addEventListener("click", function () { pinned = null; show(null); });
            panel.appendChild(close);
            panel.appendChild(el("h3", t.id));
            var o = t.ongoing;
            var days = data.withinDays === null ? "" : " (a session held or booked in the last " + data.withinDays + " days)";
            panel.appendChild(el("p", o === null ? "Clients in ongoing therapy: not counted." :
              o[0] + (o[0] === 1 ? " client" : " clients") + " in ongoing therapy" + days + ": " +
              o[1] + " after 5+ sessions, " + o[2] + " after 10+. A platform delisting " + t.id + " would tell them to leave.", "ongoing"));
            data.rules.forEach(function (rule, i) {
              var block = el("div", null, "rule-row" + (t.basement[i] ? " in-basement" : ""));
              var line = el("p");
              line.appendChild(el("strong", rule.label));
              var facts = " " + rank(t.ranks[i]) + (t.basement[i] ? ", in the basement" : "") + " · score " + num(t.scores[i]);
              facts += " · P(basement) " + (rule.basement === null ? "– (no basement)" : t.p[i] === null ? "–" : t.p[i].toFixed(2));
              line.appendChild(document.createTextNode(facts));
              block.appendChild(line);
              var figures = el("ul", null, "figures");
              rule.metrics.forEach(function (m, j) {
                var item = el("li", m.name + " " + num(t.figures[i][j]) + " ");
                item.appendChild(el("small", m.about + "; the platform’s " + m.statistic + ": " + num(m.platform)));
                figures.appendChild(item);
              });
              block.appendChild(figures);
              if (t.reasons[i]) block.appendChild(el("p", "Unranked: " + t.reasons[i], "reason"));
              panel.appendChild(block);
            });
            panel.appendChild(el("p", "Each figure case by case, with the clients in ongoing therapy:"));
            var pre = el("pre");
            data.explain.commands.forEach(function (c, k) {
              if (k > 0) pre.appendChild(document.createTextNode("\n"));
              pre.appendChild(el("span", "# " + c.uses + "\n", "comment"));
              pre.appendChild(el("code", data.explain.head + " --therapist " + t.q + c.tail, "explain"));
            });
            panel.appendChild(pre);
          }

          function show(id) {
            shown = id;
            document.querySelectorAll("[data-t].selected").forEach(function (e) { e.classList.remove("selected"); });
            if (svg) svg.classList.toggle("has-selection", id !== null);
            if (id === null) { panel.hidden = true; return; }
            document.querySelectorAll("[data-t]").forEach(function (e) {
              if (e.getAttribute("data-t") === id) e.classList.add("selected");
            });
            var g = svg && Array.prototype.find.call(svg.querySelectorAll("g.t"), function (e) { return e.getAttribute("data-t") === id; });
            if (g) g.parentNode.insertBefore(g, svg.querySelector("text"));
            render(byId.get(id));
            panel.hidden = false;
          }

          function pin(id) {
            pinned = id;
            show(id);
            try { history.replaceState(null, "", "#therapist=" + encodeURIComponent(id)); } catch (e) { /* a file: URL may refuse */ }
          }

          function search() {
            var q = find.value.trim();
            if (!q) { findStatus.textContent = ""; return; }
            var match = byId.has(q) ? q : null;
            if (!match) {
              var lower = q.toLowerCase();
              var hits = data.therapists.filter(function (t) { return t.id.toLowerCase().indexOf(lower) === 0; });
              var exact = hits.filter(function (t) { return t.id.toLowerCase() === lower; });
              if (exact.length === 1) match = exact[0].id;
              else if (hits.length === 1) match = hits[0].id;
              else { findStatus.textContent = hits.length ? hits.length + " therapists start with “" + q + "”" : "no therapist “" + q + "”"; return; }
            }
            findStatus.textContent = "";
            pin(match);
          }
          find.addEventListener("input", search);
          find.addEventListener("change", search);

          document.addEventListener("click", function (e) {
            var t = e.target.closest && e.target.closest("[data-t]");
            if (t && byId.has(t.getAttribute("data-t"))) pin(t.getAttribute("data-t"));
          });
          if (svg) {
            svg.addEventListener("mouseover", function (e) {
              var t = e.target.closest("[data-t]");
              if (t && pinned === null) show(t.getAttribute("data-t"));
            });
            svg.addEventListener("mouseleave", function () { if (pinned === null) show(null); });
          }

          function selftest(target) {
            var out = [];
            function check(name, ok, detail) { out.push((ok ? "PASS " : "FAIL ") + name + (detail ? ": " + detail : "")); }
            var texts = svg ? Array.prototype.slice.call(svg.querySelectorAll("text")) : [];
            var expected = svg ? Number(svg.getAttribute("data-texts")) : -1;
            check("every chart text is there", texts.length > 0 && texts.length === expected, texts.length + " of " + expected);
            function inRoom() {
              var box = svg.viewBox.baseVal, bad = [];
              texts.forEach(function (t) {
                var b = t.getBBox(), room = (t.getAttribute("data-room") || "0 0").split(" ").map(Number);
                var from = Math.max(room[0], 0), to = Math.min(room[1], box.width);
                if (!(b.width > 0 && t.getComputedTextLength() > 0) || b.x < from - 0.5 || b.x + b.width > to + 0.5 ||
                    b.y < -0.5 || b.y + b.height > box.height + 0.5)
                  bad.push("“" + t.textContent + "” spans " + b.x.toFixed(1) + "–" + (b.x + b.width).toFixed(1) +
                    ", its room " + from + "–" + to);
              });
              return bad;
            }
            var bad = inRoom();
            check("no chart label overflows its room", bad.length === 0, bad.length ? bad.length + " overflow: " + bad.slice(0, 4).join("; ") : texts.length + " labels");
            var overlaps = [];
            ["first", "last"].forEach(function (col) {
              var boxes = Array.prototype.map.call(svg.querySelectorAll('text.label[data-col="' + col + '"]'), function (t) { return t.getBBox(); });
              boxes.sort(function (a, b) { return a.y - b.y; });
              for (var i = 1; i < boxes.length; i++) if (boxes[i].y < boxes[i - 1].y + boxes[i - 1].height - 1) overlaps.push(col + " #" + i);
            });
            check("no two names overlap", overlaps.length === 0, overlaps.slice(0, 4).join(", "));
            if (target) {
              find.value = "no such therapist ✗";
              find.dispatchEvent(new Event("input", { bubbles: true }));
              check("an unknown id selects nobody", shown === null && /no therapist/.test(findStatus.textContent), findStatus.textContent);
              find.value = target;
              find.dispatchEvent(new Event("input", { bubbles: true }));
              var g = svg.querySelector("g.t.selected"), h = panel.querySelector("h3");
              check("the search finds " + target, shown === target && g !== null && g.getAttribute("data-t") === target &&
                !panel.hidden && h !== null && h.textContent === target, "selected " + shown);
              var rows = panel.querySelectorAll(".rule-row").length;
              check("its panel has a part per rule", rows === data.rules.length, rows + " rows");
              check("its panel counts clients in ongoing therapy", /in ongoing therapy/.test(panel.textContent), "");
              var commands = panel.querySelectorAll("code.explain");
              check("its panel gives the explain commands", commands.length === data.explain.commands.length && commands.length > 0, commands.length + "");
              if (commands.length) out.push("COMMAND " + commands[0].textContent);
              var after = inRoom();
              check("no chart label overflows with the therapist selected", after.length === 0, after.slice(0, 4).join("; "));
            }
            var harm = document.querySelectorAll("#harm li");
            var rules = Number(document.getElementById("harm").getAttribute("data-rules"));
            var worded = Array.prototype.filter.call(harm, function (li) {
              return /would tell \d+ clients? in ongoing therapy to leave, \d+ of them after 10\+ sessions \(\d+ after 5\+\)|has no basement: it tells no client to leave/.test(li.textContent);
            }).length;
            check("a harm line per rule", harm.length > 0 && harm.length === rules && worded === harm.length, worded + " worded of " + harm.length + ", rules " + rules);
            var chart = document.getElementById("chart"), harmSection = document.getElementById("harm"), details = document.getElementById("rules");
            check("harm, then the chart, then the rules folded", (harmSection.compareDocumentPosition(chart) & 4) !== 0 &&
              (chart.compareDocumentPosition(details) & 4) !== 0 && !details.open, "");
            var sw = document.documentElement.scrollWidth, iw = window.innerWidth;
            check("no horizontal page overflow", sw <= iw, "page " + sw + " px wide, window " + iw + " px");
            var fetched = performance.getEntriesByType("resource").length;
            check("nothing fetched", fetched === 0, fetched + " resources");
            out.push("VIEWPORT " + iw);
            var failed = out.filter(function (l) { return l.indexOf("FAIL") === 0; }).length;
            out.push("SELFTEST " + (failed ? "FAILED" : "PASSED") + " " + failed);
            var pre = document.createElement("pre");
            pre.id = "selftest-result";
            pre.textContent = out.join("\n");
            document.body.appendChild(pre);
          }

          var hash = location.hash.slice(1);
          try { hash = decodeURIComponent(hash); } catch (e) { /* a malformed link: read it as it is */ }
          if (hash.indexOf("selftest") === 0) selftest(hash.slice("selftest=".length));
          else if (hash.indexOf("therapist=") === 0 && byId.has(hash.slice(10))) pin(hash.slice(10));
        })();

        """#
}
