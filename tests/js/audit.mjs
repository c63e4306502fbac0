// graphql-http's server audit (the GraphQL-over-HTTP spec's checks) against
// a running PeerGraph: prints one JSON line per result, for the Python test.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
const out = [];
for (const r of results) {
  const entry = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    entry.reason = r.reason;
    try {
      const res = await r.response.clone();
      entry.response = { status: res.status, type: res.headers.get('content-type'), body: (await res.text()).slice(0, 500) };
    } catch { /* response not readable */ }
  }
  out.push(entry);
}
console.log(JSON.stringify(out));
