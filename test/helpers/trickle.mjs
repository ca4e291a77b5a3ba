// A slow HTTP client in a process of its own (the test process's socket interception would hold its bytes until
// the request is complete): sends a request head, then the body `chunk` bytes every `everyMs`, until the server
// answers or closes. Prints {"statusLine": string|null, "sent": number} on stdout.
// argv: port, head (base64), body unit (base64), unit repeat count, chunk, everyMs
import { connect } from 'node:net';

const [port, headB64, unitB64, repeat, chunk, everyMs] = process.argv.slice(2);
const head = Buffer.from(headB64, 'base64');
const body = Buffer.from(Buffer.from(unitB64, 'base64').toString('latin1').repeat(Number(repeat)), 'latin1');
const socket = connect(Number(port), '127.0.0.1');
let sent = 0;
let received = '';
let timer;
let done = false;
const finish = () => {
  if (done) return;
  done = true;
  clearInterval(timer);
  socket.destroy();
  const m = /^HTTP\/1\.1 \d{3}[^\r\n]*/.exec(received);
  process.stdout.write(JSON.stringify({ statusLine: m ? m[0] : null, sent }));
};
socket.on('data', (d) => {
  received += d.toString('latin1');
  if (received.includes('\r\n\r\n')) finish();
});
socket.on('close', finish);
socket.on('error', finish);
socket.on('connect', () => {
  socket.write(head);
  timer = setInterval(() => {
    if (sent >= body.length) return;
    socket.write(body.subarray(sent, sent + Number(chunk)));
    sent += Number(chunk);
  }, Number(everyMs));
});
