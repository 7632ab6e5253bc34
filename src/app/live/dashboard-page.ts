// The dashboard page: HTML, CSS and script in one string, no data and no secret in it. The
// operator gives the token (kept in sessionStorage only); the page reads the event stream with
// it and renders everything as text (textContent), so nothing a platform sent becomes markup.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'">
<title>shadow-bridge live</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#1d2733;max-width:1200px}
h1{font-size:18px;margin:0 0 10px}h2{font-size:15px;margin:20px 0 6px;border-bottom:1px solid #dde3ea}
.row{display:flex;gap:10px;flex-wrap:wrap;align-items:center}.card{border:1px solid #dde3ea;border-radius:6px;padding:8px 12px;min-width:150px}
.card b{display:block;font-size:18px}input,select,button{font:inherit;padding:4px 8px}
button.danger{background:#c43d3d;color:#fff;border:0;border-radius:4px}button.warn{background:#d3a21a;color:#fff;border:0;border-radius:4px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #dde3ea;padding:3px 6px;text-align:left}
.breach{background:#f6d6d6}.pass{background:#d8f2e0}.inconclusive,.not_evaluated{background:#eceff3}.matches{background:#d8f2e0}.diverges{background:#fdf8e9}.critical{background:#f6d6d6}
.up{color:#2e9d57}.down{color:#c43d3d}.muted{color:#6b7785}#message{min-height:1.4em}
</style></head><body>
<h1>shadow-bridge live <span class="muted" id="run"></span></h1>
<div class="row" id="login">
  <label>token <input id="token" type="password" autocomplete="off" size="32"></label>
  <label>your name <input id="actor" size="16" value="dashboard"></label>
  <button id="connect">connect</button>
  <span class="muted" id="status">not connected</span>
</div>
<div id="message" class="muted"></div>
<h2>Rollout</h2>
<div class="row">
  <div class="card">state<b id="state">–</b><span id="step"></span></div>
  <div class="card">exposure<b id="exposure">–</b></div>
  <div class="card">match rate<b id="match">–</b><span id="ci"></span></div>
  <div class="card">orders<b id="orders">–</b><span id="executed"></span></div>
  <div class="card">divergences<b id="divergences">–</b><span id="critical"></span></div>
  <div class="card">latency p50 / p99 µs<b id="latency">–</b><span id="latencyCandidate"></span></div>
  <button id="pause" class="warn">Pause</button>
  <button id="rollback" class="danger">Rollback</button>
</div>
<h2>Candidates</h2>
<table id="candidates"><thead><tr><th>candidate</th><th>where</th><th>verdict</th><th>match rate</th><th>95% CI</th><th>compared</th><th>divergences</th><th>critical</th></tr></thead><tbody></tbody></table>
<h2>Gates</h2>
<table id="gates"><thead><tr><th>gate</th><th>metric</th><th>verdict</th><th>value</th><th>threshold</th><th>samples</th><th>action</th></tr></thead><tbody></tbody></table>
<h2>LP and platform sessions</h2>
<div id="sessions" class="row"></div>
<h2>Divergences <select id="fclass"><option value="">every class</option></select> <select id="fseverity"><option value="">every severity</option><option>critical</option><option>major</option><option>minor</option></select></h2>
<table id="stream"><thead><tr><th>at</th><th>severity</th><th>class</th><th>order</th><th>account</th><th>symbol</th><th>executed by</th><th>detail</th></tr></thead><tbody></tbody></table>
<script>
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem('sb-token') || '';
  $('token').value = token;
  var divergences = [];
  var classes = {};
  var text = function (el, v) { el.textContent = v === null || v === undefined ? '–' : String(v); };
  var pct = function (x) { return x === null || x === undefined ? '–' : (x * 100).toFixed(2) + '%'; };
  var say = function (m) { text($('message'), m); };
  function cell(row, v, cls) { var td = document.createElement('td'); td.textContent = v === null || v === undefined ? '' : String(v); if (cls) td.className = cls; row.appendChild(td); return td; }
  function renderState(s) {
    text($('run'), s.runId);
    var r = s.rollout;
    text($('state'), r ? r.state : 'no rollout');
    text($('step'), r ? 'step ' + r.step + ' of ' + r.steps : '');
    text($('exposure'), r ? r.exposurePercent + '%' : '0%');
    text($('match'), pct(s.matchRate));
    text($('ci'), s.matchRateCi95 ? '95% CI ' + pct(s.matchRateCi95[0]) + ' – ' + pct(s.matchRateCi95[1]) : '');
    text($('orders'), s.orders);
    text($('executed'), 'production ' + s.executed.production + ' · candidate ' + s.executed.candidate);
    text($('divergences'), s.divergences.total);
    text($('critical'), 'critical ' + s.divergences.critical);
    text($('latency'), s.latency.production.p50 + ' / ' + s.latency.production.p99);
    text($('latencyCandidate'), 'candidate ' + s.latency.candidate.p50 + ' / ' + s.latency.candidate.p99);
    var body = $('gates').tBodies[0];
    body.textContent = '';
    (r ? r.gates : []).forEach(function (g) {
      var tr = document.createElement('tr');
      cell(tr, g.id); cell(tr, g.metric); cell(tr, g.verdict, g.verdict); cell(tr, g.value); cell(tr, g.op + ' ' + g.threshold); cell(tr, g.samples); cell(tr, g.action + (g.dryRun ? ' (dry run)' : ''));
      body.appendChild(tr);
    });
    var cands = $('candidates').tBodies[0];
    cands.textContent = '';
    (s.candidates || []).forEach(function (c) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-candidate', c.id);
      cell(tr, c.id); cell(tr, c.kind + (c.reports === null ? '' : ' (' + c.reports + ' reports)')); cell(tr, c.verdict, c.verdict).title = c.why; cell(tr, pct(c.matchRate)); cell(tr, c.matchRateCi95 ? pct(c.matchRateCi95[0]) + ' – ' + pct(c.matchRateCi95[1]) : ''); cell(tr, c.compared); cell(tr, c.divergences); cell(tr, c.critical, c.critical > 0 ? 'critical' : '');
      cands.appendChild(tr);
    });
    var sessions = $('sessions');
    sessions.textContent = '';
    s.sessions.forEach(function (x) {
      var span = document.createElement('span');
      span.className = 'card ' + (x.loggedOn ? 'up' : 'down');
      span.textContent = x.side + ' ' + x.id + ': ' + (x.loggedOn ? 'up' : 'down') + ' (seq ' + x.nextSenderSeq + '/' + x.nextTargetSeq + ')';
      sessions.appendChild(span);
    });
    document.body.setAttribute('data-updates', String(Number(document.body.getAttribute('data-updates') || '0') + 1));
  }
  function renderStream() {
    var fc = $('fclass').value, fs = $('fseverity').value;
    var body = $('stream').tBodies[0];
    body.textContent = '';
    divergences.filter(function (d) { return (!fc || d.class === fc) && (!fs || d.severity === fs); }).slice(-200).reverse().forEach(function (d) {
      var tr = document.createElement('tr');
      cell(tr, d.at); cell(tr, d.severity); cell(tr, d.class); cell(tr, d.clientOrderId); cell(tr, d.account); cell(tr, d.symbol); cell(tr, d.executedBy); cell(tr, d.detail);
      body.appendChild(tr);
    });
  }
  function onDivergence(d) {
    divergences.push(d);
    if (divergences.length > 2000) divergences.splice(0, divergences.length - 2000);
    if (!classes[d.class]) { classes[d.class] = true; var o = document.createElement('option'); o.textContent = d.class; o.value = d.class; $('fclass').appendChild(o); }
    renderStream();
  }
  $('fclass').onchange = renderStream;
  $('fseverity').onchange = renderStream;
  function connect() {
    token = $('token').value;
    sessionStorage.setItem('sb-token', token);
    text($('status'), 'connecting');
    fetch('/api/events', { headers: { authorization: 'Bearer ' + token } }).then(function (res) {
      if (res.status !== 200) { return res.json().then(function (b) { text($('status'), 'refused: ' + res.status + ' ' + (b.detail || '')); }); }
      text($('status'), 'connected');
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffer = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { text($('status'), 'disconnected'); return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var at;
          while ((at = buffer.indexOf('\\n\\n')) >= 0) {
            var block = buffer.slice(0, at); buffer = buffer.slice(at + 2);
            var event = 'message', data = '';
            block.split('\\n').forEach(function (line) {
              if (line.indexOf('event: ') === 0) event = line.slice(7);
              else if (line.indexOf('data: ') === 0) data += line.slice(6);
            });
            if (!data) continue;
            var payload = JSON.parse(data);
            if (event === 'state') renderState(payload);
            else if (event === 'divergence') onDivergence(payload);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function (e) { text($('status'), 'error: ' + e.message); });
  }
  function command(name) {
    if (!window.confirm(name + ' the rollout now? New orders go where the rollout says from the next order on.')) return;
    var id = 'dash-' + Math.random().toString(36).slice(2, 12);
    fetch('/api/rollout/' + name, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: JSON.stringify({ actor: $('actor').value, reason: 'dashboard', requestId: id }) })
      .then(function (res) { return res.json(); })
      .then(function (b) { say(name + ': ' + (b.ok ? 'done, ' : 'refused, ') + (b.detail || '')); })
      .catch(function (e) { say(name + ' failed: ' + e.message); });
  }
  $('connect').onclick = connect;
  $('pause').onclick = function () { command('pause'); };
  $('rollback').onclick = function () { command('rollback'); };
  if (token) connect();
})();
</script>
</body></html>
`;
