// The admin stylesheet and the one small script, served as files from /admin/assets so the CSP can forbid every
// inline style and script. The script only adds conveniences (confirm dialogs, copy button); forms work without it.

export const ADMIN_CSS = `
:root{--fg:#111827;--muted:#4b5563;--bg:#fff;--panel:#f3f4f6;--line:#d1d5db;--accent:#1d4ed8;--accent-fg:#fff;
--focus:#db2777;--ok:#065f46;--ok-bg:#d1fae5;--warn:#78350f;--warn-bg:#fef3c7;--bad:#991b1b;--bad-bg:#fee2e2;--off:#374151;--off-bg:#e5e7eb}
*{box-sizing:border-box}
html{font-size:16px;-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);line-height:1.5}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible,main:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.top{background:#111827;color:#fff}
header.top .bar{max-width:76rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
header.top .brand{font-weight:700;color:#fff;text-decoration:none;margin-right:.5rem}
header.top nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem;margin:0;padding:0}
header.top nav a{color:#e5e7eb;text-decoration:none;padding:.35rem .6rem;border-radius:.3rem;display:inline-block}
header.top nav a[aria-current=page]{background:#374151;color:#fff;font-weight:600}
header.top nav a:hover{background:#1f2937;color:#fff}
header.top form{margin-left:auto}
header.top form button{background:transparent;color:#e5e7eb;border:1px solid #6b7280}
main{max-width:76rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.6rem;margin:.75rem 0 1rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
h3{font-size:1rem;margin:1rem 0 .4rem}
.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,9.5rem),1fr));gap:.75rem;margin:0 0 1rem;padding:0;list-style:none}
.card{background:var(--panel);border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem}
.card .label{color:var(--muted);font-size:.875rem;display:block}
.card .value{font-size:1.6rem;font-weight:700;display:block}
.table-wrap{position:relative;overflow-x:auto;border:1px solid var(--line);border-radius:.5rem;margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.925rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--panel);font-weight:600;white-space:nowrap}
tbody th{background:transparent;white-space:normal;overflow-wrap:break-word}
tbody tr:last-child td{border-bottom:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.9em;overflow-wrap:anywhere}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
.badge.connected,.badge.succeeded,.badge.written{background:var(--ok-bg);color:var(--ok)}
.badge.reconnect_needed,.badge.retry,.badge.queued,.badge.running{background:var(--warn-bg);color:var(--warn)}
.badge.dead,.badge.failed,.badge.disconnected{background:var(--bad-bg);color:var(--bad)}
.badge.paused{background:var(--off-bg);color:var(--off)}
.flash{padding:.75rem 1rem;border-radius:.5rem;margin:0 0 1rem;border:1px solid}
.flash.ok{background:var(--ok-bg);color:var(--ok);border-color:#6ee7b7}
.flash.error{background:var(--bad-bg);color:var(--bad);border-color:#fca5a5}
.flash ul{margin:.25rem 0 0;padding-left:1.25rem}
form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.5rem 0 1rem}
.field{display:flex;flex-direction:column;gap:.2rem;margin:0 0 .75rem}
.field label,.lbl{font-weight:600;font-size:.9rem}
.hint{color:var(--muted);font-size:.85rem}
input[type=text],input[type=password],input[type=number],input[type=email],input[type=search],select{font:inherit;padding:.4rem .5rem;
border:1px solid #6b7280;border-radius:.35rem;background:#fff;color:var(--fg);min-height:2.25rem;max-width:100%}
input[type=number]{width:8rem}
button,.button{font:inherit;padding:.4rem .9rem;border-radius:.35rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);
cursor:pointer;min-height:2.25rem;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
button[disabled]{background:#9ca3af;border-color:#9ca3af;cursor:not-allowed}
fieldset{border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem 1rem;margin:0 0 1rem}
legend{font-weight:600;padding:0 .25rem}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.newkey{background:var(--ok-bg);border:1px solid #6ee7b7;padding:1rem;border-radius:.5rem}
.newkey code{font-size:1.05rem;display:block;margin:.5rem 0;user-select:all}
.credit-chart{margin:0 0 1.25rem}
.chart{width:100%;height:auto;max-width:60rem;display:block}
.chart .bar{fill:#2563eb}
.chart .axis{stroke:#6b7280;stroke-width:1}
.chart .grid{stroke:#e5e7eb;stroke-width:1}
.chart text{font-size:11px;fill:#374151;font-family:system-ui,"DejaVu Sans",sans-serif}
.usage{list-style:none;margin:0 0 1rem;padding:0;display:grid;gap:.6rem}
.usage-text{display:block;overflow-wrap:anywhere}
.usage-bar{display:block;width:100%;height:1.25rem}
.usage-bar .track{fill:var(--panel);stroke:var(--line)}
.usage-bar .used{fill:#2563eb}
.usage-row.near .usage-bar .used{fill:#b45309}
.usage-row.over .usage-bar .used{fill:var(--bad)}
.usage-bar .limit{fill:var(--fg)}
.login{max-width:24rem;margin:4rem auto;padding:1.5rem;border:1px solid var(--line);border-radius:.5rem}
.attention{list-style:none;margin:0 0 1rem;padding:0;display:grid;gap:.5rem}
.attention-item{border:1px solid var(--line);border-left-width:.35rem;border-radius:.5rem;padding:.5rem .75rem;background:var(--bg)}
.attention-item.error{border-left-color:var(--bad)}
.attention-item.warning{border-left-color:#b45309}
.attention-item p{margin:0 0 .25rem;overflow-wrap:anywhere}
.attention-item .actions{margin:.25rem 0 0}
table.audit tr.group th{background:var(--panel);font-weight:600;white-space:normal;overflow-wrap:anywhere}
.checklist{padding-left:1.5rem}
.checklist li{margin:.2rem 0}
.checklist li.done{color:var(--ok)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}
dl.kv dt{font-weight:600;color:var(--muted)}
dl.kv dd{margin:0}
@media (max-width:40rem){
  h1{font-size:1.35rem}
  header.top form{margin-left:0}
  .actions{flex-direction:column;align-items:stretch}
  .card .value{font-size:1.3rem}
  dl.kv{grid-template-columns:1fr}
  table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.stack tr,table.stack th,table.stack td{display:block}
  table.stack tbody tr{border-bottom:1px solid var(--line)}
  table.stack th,table.stack td{border-bottom:0}
  table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600}
  table.stack td.num{text-align:left}
  table.stack td form.actions{flex-direction:row;align-items:center;margin:.25rem 0}
  dl.kv dd{margin-bottom:.4rem}
}
`;

export const ADMIN_JS = `
(function(){
  document.addEventListener('submit', function(e){
    var f = e.target;
    var q = f && f.getAttribute && f.getAttribute('data-confirm');
    if (q && !window.confirm(q)) e.preventDefault();
  });
  // Schedules: a preset fills the cron field; typing in the field makes the choice "custom" again.
  document.querySelectorAll('select[data-cron-target]').forEach(function(sel){
    var input = document.getElementById(sel.getAttribute('data-cron-target'));
    if (!input) return;
    sel.addEventListener('change', function(){ if (sel.value) input.value = sel.value; });
    input.addEventListener('input', function(){ sel.value = ''; });
  });
  var b = document.getElementById('copy-key');
  var k = document.getElementById('new-key');
  if (b && k && navigator.clipboard) {
    b.hidden = false;
    b.addEventListener('click', function(){
      navigator.clipboard.writeText(k.textContent.trim()).then(function(){ b.textContent = 'Copied'; });
    });
  }
})();
`;
