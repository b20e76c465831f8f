/// The pages' stylesheet and script, served by the binary itself (`/assets/...`): nothing
/// is loaded from elsewhere, and the pages read well without the script.
enum Assets {
    static let css = """
        :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #fafbfc; --link: #1f5fbf; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
               color: var(--fg); background: var(--bg); }
        header { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d2330; }
        header a { color: #d0d5dd; text-decoration: none; }
        header a.brand { color: #fff; font-weight: 700; }
        header nav { display: flex; gap: 16px; flex: 1; }
        header a.current { color: #fff; border-bottom: 2px solid #64b5f6; }
        main { padding: 16px 24px; max-width: 1400px; }
        footer { padding: 8px 24px 24px; color: var(--muted); font-size: 12px; }
        h1 { font-size: 20px; margin: 4px 0 12px; }
        h2 { font-size: 16px; margin: 24px 0 8px; }
        a { color: var(--link); }
        table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 13px; }
        th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { background: #f2f4f7; font-weight: 600; white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.failing td { background: #fdecec; }
        tr.failing td.job a { color: #b42318; font-weight: 600; }
        span.stale { color: #b42318; font-weight: 600; white-space: nowrap; }
        .none { color: var(--muted); }
        .run-id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; white-space: nowrap; }
        td time { white-space: nowrap; }
        .badge { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; white-space: nowrap; }
        .t-scheduled { background: #9fa8da; } .t-pending { background: #ffcc80; } .t-running { background: #64b5f6; }
        .t-completed { background: #81c784; } .t-failed { background: #e57373; } .t-cancelled { background: #b0bec5; }
        .t-crashed { background: #f06292; } .t-skipped { background: #d6d6d6; } .t-unknown { background: #eee; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; margin-bottom: 12px;
                       padding: 10px; background: #fff; border: 1px solid var(--line); }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        form.filters input, form.filters select { font: inherit; padding: 2px 4px; min-width: 110px; }
        .note { padding: 6px 10px; background: #fff8e1; border: 1px solid #ffe082; display: inline-block; }
        .error { padding: 8px 12px; background: #fdecec; border: 1px solid #f5b5b5; display: inline-block; }
        .pager { margin: 10px 0; display: flex; gap: 16px; }
        .summary { display: flex; flex-wrap: wrap; gap: 6px 24px; margin-bottom: 8px; }
        .summary div span { color: var(--muted); margin-right: 4px; }
        svg { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
        svg.bar { border: none; background: none; vertical-align: middle; max-width: none; }
        .outcome { font-size: 11px; color: var(--muted); }
        main { overflow-x: auto; }
        svg text { font: 11px system-ui, sans-serif; fill: #1d2330; }
        svg text.axis { fill: #667085; }
        svg text.below { font-size: 10.5px; }
        svg .lane-label { font-weight: 600; }
        .live { color: #1f7a3a; font-weight: 600; }
        .legend span { margin-right: 8px; }
        """

    static let javaScript = """
        // Local times on hover; the live run page. The pages work without this script.
        (function () {
          function localTimes(root) {
            root.querySelectorAll('time[datetime]').forEach(function (t) {
              var d = new Date(t.getAttribute('datetime'));
              if (!isNaN(d)) { t.title = d.toLocaleString() + ' (local)'; }
            });
          }
          localTimes(document);
          var live = document.querySelector('[data-live="true"]');
          if (!live) { return; }
          var timer = setInterval(function () {
            fetch(location.href, { cache: 'no-store' }).then(function (r) { return r.text(); }).then(function (text) {
              var doc = new DOMParser().parseFromString(text, 'text/html');
              var next = doc.querySelector('main');
              if (!next) { return; }
              document.querySelector('main').innerHTML = next.innerHTML;
              localTimes(document);
              if (!document.querySelector('[data-live="true"]')) { clearInterval(timer); }
            }).catch(function () {});
          }, 1000);
        })();
        """
}
