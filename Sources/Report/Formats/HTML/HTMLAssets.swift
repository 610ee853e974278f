/// The inline stylesheet and script of `report.html`: no external asset, no inline `style` attribute, and
/// the page's Content-Security-Policy allows exactly these two blocks by their SHA-256.
enum HTMLAssets {
    /// The page's stylesheet: colours by custom properties (`--ok`, `--warn`, `--fail` follow
    /// ``RunReport/outcome``) with a dark scheme when the system prefers one, side-by-side value cells and
    /// badges per stage status and finding state. Editing it is safe: the page's Content-Security-Policy
    /// hashes it when the page is rendered.
    static let style = """
        :root{--bg:#fff;--fg:#1d2330;--muted:#5b6577;--line:#dfe3ea;--panel:#f6f7f9;--ok:#1a7f37;--warn:#9a6700;\
        --fail:#cf222e;--accent:#0969da;--new:#8250df;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;\
        color:var(--fg);background:var(--bg)}
        @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9aa5b4;--line:#30363d;\
        --panel:#161b22;--ok:#3fb950;--warn:#d29922;--fail:#f85149;--accent:#58a6ff;--new:#a371f7}}
        body{margin:0 auto;max-width:1280px;padding:0 24px 48px;line-height:1.45;font-size:14px;background:var(--bg)}
        header.verdict{border-left:6px solid var(--muted);padding:12px 18px;margin:18px 0;background:var(--panel)}
        header.ok{border-color:var(--ok)}header.warn{border-color:var(--warn)}header.fail{border-color:var(--fail)}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);\
        padding-bottom:4px}h3{font-size:15px;margin:0}
        .verdict-line{font-size:17px;font-weight:600;margin:4px 0 10px}
        .ok .verdict-line{color:var(--ok)}.warn .verdict-line{color:var(--warn)}.fail .verdict-line{color:var(--fail)}
        dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;color:var(--muted)}
        dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}
        nav{display:flex;flex-wrap:wrap;gap:14px;margin:6px 0 0}nav a{color:var(--accent);text-decoration:none}
        .tiles{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
        .tile{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:120px}
        .tile b{display:block;font-size:22px}.tile span{color:var(--muted)}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
        figure{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px}
        figcaption{font-weight:600;margin-bottom:6px}svg{max-width:100%;height:auto;display:block}
        svg text{fill:var(--fg);font-size:12px}svg .muted{fill:var(--muted)}svg .axis{stroke:var(--line)}
        svg .bar{fill:var(--accent)}svg .bar.new{fill:var(--new)}svg .line{stroke:var(--accent);fill:none;stroke-width:2}
        svg .dot{fill:var(--accent)}svg .threshold{stroke:var(--fail);stroke-dasharray:4 3}
        table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
        th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
        td{overflow-wrap:anywhere}table.stages td:first-child{white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        th{background:var(--panel);position:sticky;top:0}
        th button{all:unset;cursor:pointer;font-weight:600}th button:focus-visible{outline:2px solid var(--accent)}
        th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
        .pair{display:flex;gap:6px;margin-top:4px}.pair figure{margin:0;text-align:center}.pair img{\
        max-height:112px;border-radius:4px;border:1px solid var(--panel)}.pair figcaption{font-size:11px}\
        small.scores{display:block;color:var(--muted)}\
        .side{display:grid;grid-template-columns:1fr 1fr;gap:6px}.side div{background:var(--panel);padding:2px 6px;\
        border-radius:4px;white-space:pre-wrap}.side .b{border-left:3px solid var(--warn)}.side .c{border-left:3px \
        solid var(--accent)}.absent{color:var(--muted);font-style:italic}
        .badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;border:1px solid var(--line)}
        .badge.new{color:var(--new);border-color:var(--new)}.badge.persisting{color:var(--warn);border-color:var(--warn)}
        .badge.ok{color:var(--ok);border-color:var(--ok)}.badge.failed{color:var(--fail);border-color:var(--fail)}
        .badge.skipped,.badge.stopped{color:var(--muted)}.badge.partial{color:var(--warn);border-color:var(--warn)}
        .filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:10px 0;position:sticky;top:0;\
        background:var(--bg);padding:6px 0;z-index:2}
        .filters input,.filters select{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:4px;\
        background:var(--bg);color:var(--fg)}
        details.kind{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:4px 10px}
        details.kind summary{cursor:pointer;padding:4px 0}code{font-size:12px}.muted{color:var(--muted)}
        .cause small{display:block;color:var(--muted)}footer{margin-top:32px;color:var(--muted);font-size:12px}
        """

    /// The page's only script, progressive: a click on a header button sorts its table (by `data-sort`
    /// when a cell has one, numbers numerically), and the filter bar hides rows by text, kind and state and
    /// updates the shown counts. Without it the page still shows every table in report order.
    static let script = """
        (function () {
          "use strict";
          function key(cell) {
            var value = cell.getAttribute("data-sort");
            return value === null ? cell.textContent.trim() : value;
          }
          document.querySelectorAll("table.sortable").forEach(function (table) {
            var heads = table.tHead ? table.tHead.rows[0].cells : [];
            Array.prototype.forEach.call(heads, function (th, index) {
              var button = th.querySelector("button");
              if (!button) return;
              button.addEventListener("click", function () {
                var ascending = th.getAttribute("aria-sort") !== "ascending";
                Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
                th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
                var numeric = th.classList.contains("num");
                var body = table.tBodies[0];
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (a, b) {
                  var x = key(a.cells[index]), y = key(b.cells[index]);
                  var order = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0)
                    : x.localeCompare(y, undefined, { numeric: true });
                  return ascending ? order : -order;
                });
                rows.forEach(function (row) { body.appendChild(row); });
              });
            });
          });
          var text = document.getElementById("filter-text");
          var kind = document.getElementById("filter-kind");
          var state = document.getElementById("filter-state");
          var shown = document.getElementById("filter-shown");
          function apply() {
            var query = text ? text.value.trim().toLowerCase() : "";
            var total = 0;
            document.querySelectorAll("details.kind").forEach(function (section) {
              var visible = 0;
              section.querySelectorAll("tbody tr").forEach(function (row) {
                var show = (!query || row.textContent.toLowerCase().indexOf(query) >= 0)
                  && (!kind || !kind.value || row.getAttribute("data-kind") === kind.value)
                  && (!state || !state.value || row.getAttribute("data-state") === state.value);
                row.hidden = !show;
                if (show) visible += 1;
              });
              var count = section.querySelector(".shown");
              if (count) count.textContent = String(visible);
              section.hidden = visible === 0 && (query !== "" || (kind && kind.value) || (state && state.value));
              total += visible;
            });
            if (shown) shown.textContent = String(total);
          }
          [text, kind, state].forEach(function (control) {
            if (control) control.addEventListener("input", apply);
          });
          apply();
          document.body.setAttribute("data-ready", "1");
        })();
        """
}
