// A long-running peer that lets the Python tests talk to the reference libraries:
//   node tools/interop/peer.mjs
// reads one JSON request per line on stdin and writes one JSON response per line on stdout:
//   {"op": "...", ...}  ->  {"ok": true, ...} | {"ok": false, "error": "<message>"}
// Bytes travel as URL-safe base64 with padding (*_b64), SRP values as the hex strings jsrp uses.
// SRP sessions (one jsrp client or server each) live in memory under an "id" until the peer exits.
import { createInterface } from 'node:readline';

import * as L from './lib.mjs';

const sessions = new Map();
let nextId = 1;
const keep = (session) => {
  const id = String(nextId++);
  sessions.set(id, session);
  return id;
};
const session = (id) => {
  const s = sessions.get(id);
  if (!s) throw new Error(`unknown session ${id}`);
  return s;
};
const b64OrNull = (buf) => (buf === null ? null : L.b64(buf));

const ops = {
  // ------------------------------------------------------------------------------------------- cryppo
  async encrypt_with_key({ key_b64: key, plaintext_b64: plaintext }) {
    return { serialized: await L.encryptWithKey(L.fromB64(key), L.fromB64(plaintext)) };
  },
  async decrypt_with_key({ key_b64: key, serialized }) {
    return { plaintext_b64: b64OrNull(await L.decryptWithKey(L.fromB64(key), serialized)) };
  },
  async encrypt_with_public_key({ public_pem: pem, plaintext_b64: plaintext }) {
    return { serialized: await L.encryptWithPublicKey(pem, L.fromB64(plaintext)) };
  },
  async decrypt_with_private_key({ private_pem: pem, serialized }) {
    return { plaintext_b64: L.b64(await L.decryptWithPrivateKey(pem, serialized)) };
  },
  async encrypt_with_passphrase({ passphrase, plaintext_b64: plaintext }) {
    const r = await L.encryptWithPassphrase(passphrase, L.fromB64(plaintext));
    return { serialized: r.serialized };
  },
  async decrypt_with_passphrase({ passphrase, serialized }) {
    return { plaintext_b64: b64OrNull(await L.decryptWithPassphrase(passphrase, serialized)) };
  },
  async sign({ private_pem: pem, data_b64: data }) {
    return { serialized: L.sign(pem, L.fromB64(data)) };
  },
  async verify({ public_pem: pem, serialized }) {
    const { valid, data } = L.verify(pem, serialized);
    return { valid, data_b64: L.b64(data) };
  },

  // -------------------------------------------------------------------------------------------- files
  async file_encrypt({ key_b64: key, data_b64: data, block_size: blockSize }) {
    const { blob, record } = L.fileEncrypt(L.fromB64(key), L.fromB64(data), blockSize);
    return { blob_b64: L.b64(blob), record };
  },
  async file_decrypt({ key_b64: key, blob_b64: blob, record }) {
    return { data_b64: L.b64(L.fileDecrypt(L.fromB64(key), L.fromB64(blob), record)) };
  },

  // --------------------------------------------------------------------------------------------- jsrp
  // Password: "password" (a JS string, jsrp hashes its UTF-8) or "password_hex" (exact bytes).
  async srp_create_verifier(request) {
    return L.srpCreateVerifier(request);
  },
  async srp_client_start(request) {
    const client = await L.srpClient(request);
    return { id: keep(client), A: client.getPublicKey() };
  },
  async srp_client_proof({ id, salt, B }) {
    const client = session(id);
    client.setSalt(salt);
    client.setServerPublicKey(B);
    return { M1: client.getProof(), K: client.getSharedKey() };
  },
  async srp_client_check({ id, M2 }) {
    return { valid: session(id).checkServerProof(M2) };
  },
  async srp_server_start({ verifier, salt, b }) {
    const server = await L.srpServer({ verifier, salt, b });
    return { id: keep(server), B: server.getPublicKey() };
  },
  async srp_server_verify({ id, A, M1 }) {
    const server = session(id);
    server.setClientPublicKey(A);
    const valid = server.checkClientProof(M1);
    return { valid, M2: valid ? server.getProof() : null };
  },
  async srp_close({ id }) {
    return { closed: sessions.delete(id) };
  },
  async ping() {
    return { cryppo: L.cryppo !== undefined, jsrp: L.jsrp !== undefined };
  },
};

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return { ok: false, error: 'request is not JSON' };
  }
  const op = ops[request.op];
  if (!op) return { ok: false, error: `unknown op ${request.op}` };
  try {
    return { ok: true, ...(await op(request)) };
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
  }
}

// Requests are answered strictly in order, one line each.
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await handle(line))}\n`);
}
