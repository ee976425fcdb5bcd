// The crypto the page cannot avoid, alone: the baselines of bench/bench_web.py (same browser, same run).
import * as c from "../src/crypto";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Exactly the crypto of signUp() (client/account.ts), with the same overlap of RSA generation. */
async function signUpCrypto(): Promise<number> {
  const t = performance.now();
  const passphrase = "a bench passphrase";
  const secretKey = c.generateSecretKey("benchuser");
  const keypairJob = c.generateKeypair();
  const srpPassword = await c.deriveSrpPassword(passphrase, secretKey);
  const made = await c.createVerifier("benchuser", srpPassword);
  const client = new c.SrpClient("benchuser", srpPassword);
  client.publicAHex();
  await client.processChallenge(made.salt, made.verifier);
  const pdk = await c.derivePdk(passphrase, secretKey);
  const kek = c.generateKey();
  await c.wrapKey(pdk, kek);
  const pair = await keypairJob;
  await c.wrapPrivateKey(kek, pair.privatePem);
  const elapsed = performance.now() - t;
  // The Vault encrypts the session token to the new key (server work, not timed); the page opens it.
  const token = await c.encryptWithPublicKey(pair.publicPem, c.randomBytes(32));
  const t2 = performance.now();
  await c.decryptWithPrivateKey(await c.importPrivateKey(pair.privatePem), token);
  await c.wrapKey(kek, c.generateKey());
  return elapsed + (performance.now() - t2);
}

let prepared: Json | null = null;

async function prepareShareRead(): Promise<void> {
  const kek = c.generateKey();
  const pair = await c.generateKeypair();
  const dek = c.generateKey();
  prepared = {
    kek,
    wrapped: await c.wrapPrivateKey(kek, pair.privatePem),
    claimed: await c.encryptWithPublicKey(pair.publicPem, dek),
    value: await c.encryptText(dek, "a shared value of moderate length"),
  };
}

/** Exactly the crypto of a first readShare() with a claim (client/shares.ts). */
async function shareReadCrypto(): Promise<number> {
  const p = prepared!;
  const t = performance.now();
  const pem = await c.unwrapPrivateKey(p.kek, p.wrapped);
  const key = await c.importPrivateKey(pem);
  await c.sign(key, c.utf8(`http://127.0.0.1/keystore/shared_keys/x/claim_key--request-timestamp=${new Date().toISOString()}`));
  const dek = await c.decryptWithPrivateKey(key, p.claimed);
  await c.wrapKey(p.kek, dek);
  await c.decryptText(dek, p.value);
  return performance.now() - t;
}

/** The heavy primitives one by one (for the reuse decision against the reference libraries). */
async function primitives(): Promise<Json> {
  const t0 = performance.now();
  await c.generateKeypair();
  const t1 = performance.now();
  await c.pbkdf2(c.utf8("a passphrase"), c.utf8("salt-salt-salt-salt"), 100_000, 32);
  const t2 = performance.now();
  const pw = c.utf8("password");
  await c.createVerifier("user", pw);
  new c.SrpClient("user", pw).publicAHex();
  const t3 = performance.now();
  return { rsa4096_generate_ms: t1 - t0, pbkdf2_100k_ms: t2 - t1, srp_verifier_and_A_ms: t3 - t2 };
}

(globalThis as unknown as Json).strongroomBench = { signUpCrypto, prepareShareRead, shareReadCrypto, primitives };
