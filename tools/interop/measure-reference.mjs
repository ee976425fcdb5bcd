// The reference libraries' cost for the page's heaviest steps, in pure JavaScript as a browser would run them
// (node-forge without Node's native crypto): RSA-4096 generation, PBKDF2-SHA256 100,000, a jsrp verifier and
// client login. Strongroom Web uses WebCrypto instead; bench/bench_web.py measures that side in Chromium.
// Run: make interop && node tools/interop/measure-reference.mjs
import { performance } from "node:perf_hooks";
import forge from "node-forge";
import jsrp from "jsrp";

forge.options.usePureJavaScript = true;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn, rounds) {
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return median(out);
}

const rsa = await time(
  () => new Promise((ok, ko) => forge.pki.rsa.generateKeyPair({ bits: 4096, workers: 0 }, (e, k) => (e ? ko(e) : ok(k)))),
  3,
);
const pbkdf2 = await time(() => forge.pkcs5.pbkdf2("a passphrase", "salt-salt-salt-salt", 100000, 32, forge.md.sha256.create()), 3);
const srp = await time(
  () =>
    new Promise((ok) => {
      const client = new jsrp.client();
      client.init({ username: "user", password: "password", length: 2048 }, () => {
        client.createVerifier(() => {
          const again = new jsrp.client();
          again.init({ username: "user", password: "password", length: 2048 }, () => {
            again.getPublicKey();
            ok();
          });
        });
      });
    }),
  5,
);
console.log(JSON.stringify({ rsa4096_generate_ms: rsa, pbkdf2_100k_ms: pbkdf2, jsrp_verifier_and_A_ms: srp }));
