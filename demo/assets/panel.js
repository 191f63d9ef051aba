// The live panel: polls the demo server's record store and shows what the demo pages reported
// (consent, dataLayer events and tag decisions, the queue) and what each collector received.
// Built with textContent only: the page runs under the same strict CSP and Trusted Types.
const tbody = (id) => document.querySelector(`#${id} tbody`);
const time = (t) => new Date(t).toLocaleTimeString();
const row = (id, cells) => {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.appendChild(td);
  }
  tbody(id).prepend(tr);
};
let seen = 0;
// Beacons from different pages may arrive in any order: the consent shown is the latest by page time.
let consentAt = Number.NEGATIVE_INFINITY;
const summarize = (r) => {
  if (r.kind === 'pixel') return `${r.server}${r.path} ${JSON.stringify(r.query)}`;
  if (r.kind === 'appinsights') {
    const e = r.body;
    return `${e?.data?.baseType} ${e?.data?.baseData?.name} @ ${e?.time} ${JSON.stringify(e?.data?.baseData?.properties ?? {})}`;
  }
  return `${r.method} ${r.path} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`.slice(
    0,
    400,
  );
};
async function poll() {
  try {
    const records = await (await fetch('/__records')).json();
    for (const r of records.slice(seen)) {
      if (r.kind === 'demo-log') {
        // site.js sends its reports with sendBeacon as text; the collector keeps text bodies as they came.
        const body = typeof r.body === 'string' ? JSON.parse(r.body) : r.body;
        const { type, page, record, time: t } = body ?? {};
        if (type === 'tag')
          row('tags', [time(t), page, record.event, record.tagId, record.status, record.reason ?? '']);
        else if (type === 'consent') {
          if (t >= consentAt) {
            consentAt = t;
            document.getElementById('consent').textContent = JSON.stringify(record, null, 1);
          }
        } else if (type === 'queue') row('queue', [time(t), page, JSON.stringify(record)]);
        else row('tags', [time(t), page, type, '', '', JSON.stringify(record)]);
      } else row('collected', [time(r.time), r.kind, summarize(r)]);
    }
    seen = records.length;
  } catch {
    // the server restarted: keep polling
  }
  setTimeout(poll, 1000);
}
document.getElementById('clear').addEventListener('click', async () => {
  await fetch('/__records/clear', { method: 'POST' });
  seen = 0;
  consentAt = Number.NEGATIVE_INFINITY;
  for (const id of ['tags', 'queue', 'collected']) tbody(id).textContent = '';
});
poll();
