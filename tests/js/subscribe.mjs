// graphql-ws's own client (Node, with the `ws` package's WebSocket) subscribed
// to invitationEvents on a running PeerGraph, as a frontend would: for the
// Python test. Signs in with PEERGRAPH_TOKEN, when set, through
// connectionParams {Authorization: "Bearer <token>"}.
//
// Prints each event's data as one JSON line on stdout; exits 0 after COUNT
// events. A GraphQL error is printed as {"errors": [...]} and a closed socket
// as {"closed": {"code", "reason"}}, then exits 1; no COUNT events within
// TIMEOUT seconds (default 20) exits 2.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, countArg, timeoutArg] = process.argv.slice(2);
const count = Number(countArg);
if (!url || !Number.isInteger(count) || count < 1) {
  console.error('usage: PEERGRAPH_TOKEN=<token> node subscribe.mjs WS_URL COUNT [TIMEOUT_SECONDS]');
  process.exit(64);
}
const timeoutSeconds = Number(timeoutArg ?? 20);
const token = process.env.PEERGRAPH_TOKEN;

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
  retryAttempts: 0, // a refusal is the answer, not a reason to try again
  lazy: true,
});

let finishing = false;
async function finish(code) {
  if (finishing) return;
  finishing = true;
  clearTimeout(timer);
  await client.dispose();
  process.exit(code);
}

const timer = setTimeout(() => {
  console.error(`subscribe.mjs: fewer than ${count} events within ${timeoutSeconds} s`);
  finish(2);
}, timeoutSeconds * 1000);

let received = 0;
client.subscribe(
  {
    query:
      'subscription InvitationEvents { invitationEvents { kind invitation { id status } } }',
  },
  {
    next(result) {
      if (result.errors) {
        console.log(JSON.stringify({ errors: result.errors }));
        finish(1);
        return;
      }
      console.log(JSON.stringify(result.data));
      received += 1;
      if (received >= count) finish(0);
    },
    error(err) {
      // graphql-ws hands an `error` message over as the array of GraphQL
      // errors, and a closed socket as its CloseEvent.
      if (Array.isArray(err)) console.log(JSON.stringify({ errors: err }));
      else if (err && typeof err.code === 'number')
        console.log(JSON.stringify({ closed: { code: err.code, reason: String(err.reason ?? '') } }));
      else console.log(JSON.stringify({ errors: [{ message: String(err?.message ?? err) }] }));
      finish(1);
    },
    complete() {
      if (received < count) {
        console.error(`subscribe.mjs: the server completed after ${received} of ${count} events`);
        finish(1);
      }
    },
  },
);
