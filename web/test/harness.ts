// Known-answer harness for the page's crypto module, run in Chromium by tests/web/test_web_crypto.py.
// read(): every committed vector (made by @meeco/cryppo and jsrp) must open or reproduce in the page.
// write(): the page encrypts, signs, derives and generates; Python's strongroom.crypto checks the results.
import * as c from "../src/crypto";
import { ExportError, ExportWriter, readExport } from "../src/client/exportFile";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function read(cryppo: Json, srp: Json): Promise<{ checked: string[]; failures: string[] }> {
  const checked: string[] = [];
  const failures: string[] = [];
  const check = async (name: string, fn: () => Promise<boolean>): Promise<void> => {
    checked.push(name);
    try {
      if (!(await fn())) failures.push(`${name}: wrong answer`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  };
  const hex = (b: Uint8Array): string => c.toHex(b);
  const b64 = (s: string): string => hex(c.b64decode(s));
  const keys: Record<string, c.PrivateKey> = {};
  for (const [name, k] of Object.entries(cryppo.rsa_keys as Json)) keys[name] = await c.importPrivateKey(k.private_pem);

  for (const v of cryppo.aes) {
    await check(`aes/${v.name}`, async () =>
      v.serialized === null
        ? (await c.decryptText(c.b64decode(v.key_b64), v.serialized)) === null
        : hex(await c.decryptWithKey(c.b64decode(v.key_b64), v.serialized)) === b64(v.plaintext_b64),
    );
  }
  for (const v of cryppo.rsa) {
    await check(`rsa/${v.name}`, async () => hex(await c.decryptWithPrivateKey(keys[v.key]!, v.serialized)) === b64(v.plaintext_b64));
  }
  for (const v of cryppo.passphrase) {
    if (v.legacy_yaml) continue; // YAML artefacts: read by the Python SDK only; the page writes and reads BSON
    await check(`passphrase/${v.name}`, async () => hex(await c.decryptWithPassphrase(v.passphrase, v.serialized)) === b64(v.plaintext_b64));
  }
  for (const v of cryppo.signatures) {
    const pair = (cryppo.rsa_keys as Json)[v.key];
    await check(`signatures/${v.name}/verify`, async () => hex(await c.verify(pair.public_pem, v.serialized)) === b64(v.data_b64));
    // PKCS#1 v1.5 signatures are deterministic: the page must produce the very same string.
    await check(`signatures/${v.name}/sign`, async () => (await c.sign(keys[v.key]!, c.b64decode(v.data_b64))) === v.serialized);
  }
  for (const v of cryppo.pbkdf2) {
    await check(`pbkdf2/${v.name}`, async () =>
      hex(await c.pbkdf2(c.utf8(v.passphrase), c.b64decode(v.salt_b64), v.iterations, v.length)) === b64(v.key_b64),
    );
  }
  for (const v of srp.verifiers) {
    await check(`srp/verifier/${v.name}`, async () => {
      const made = await c.createVerifier(v.username, c.fromHex(v.password_hex), c.fromHex(v.salt));
      return made.verifier === v.verifier.toLowerCase() && made.salt === v.salt.toLowerCase();
    });
  }
  for (const v of srp.transcripts) {
    await check(`srp/transcript/${v.name}`, async () => {
      const client = new c.SrpClient(v.username, c.fromHex(v.password_hex), c.fromHex(v.a));
      if (client.publicAHex() !== v.A.toLowerCase()) return false;
      if ((await client.processChallenge(v.salt, v.B)) !== v.M1.toLowerCase()) return false;
      await client.verifyServerProof(v.M2);
      return client.sharedKeyHex() === v.K.toLowerCase();
    });
  }
  for (const v of srp.wrong_password) {
    await check(`srp/wrong_password/${v.name}`, async () => {
      const client = new c.SrpClient(v.username, c.fromHex(v.wrong_password_hex), c.fromHex(v.a));
      // jsrp's proof from the wrong password, reproduced; the verifier's server rejects it (Python side).
      return (await client.processChallenge(v.salt, v.B)) === v.M1.toLowerCase();
    });
  }
  for (const v of srp.accounts) {
    await check(`srp/account/${v.name}`, async () => {
      const pdk = await c.derivePdk(v.passphrase, v.secret_key);
      const password = await c.deriveSrpPassword(v.passphrase, v.secret_key);
      const made = await c.createVerifier(v.username, password, c.fromHex(v.salt));
      return c.b64encode(pdk) === v.pdk_b64 && hex(password) === v.srp_password_jsrp_hex && made.verifier === v.verifier;
    });
  }
  // Refusals: a tampered string never opens, a malformed one is a format error.
  const first = cryppo.aes[0];
  await check("refuse/tampered_aes", async () => {
    const [s, ct, art] = (first.serialized as string).split(".");
    const flipped = c.b64encode(c.b64decode(ct!).map((b, i) => (i === 0 ? b ^ 1 : b)));
    try {
      await c.decryptWithKey(c.b64decode(first.key_b64), `${s}.${flipped}.${art}`);
      return false;
    } catch (e) {
      return e instanceof c.DecryptionError;
    }
  });
  await check("refuse/malformed_secret_key", async () => {
    try {
      c.parseSecretKey("not-a-secret-key");
      return false;
    } catch (e) {
      return e instanceof c.CryptoFormatError;
    }
  });
  return { checked, failures };
}

async function write(cryppo: Json): Promise<Json> {
  const kek = c.generateKey();
  const aes = [];
  for (const v of cryppo.aes) {
    if (v.serialized === null) continue;
    aes.push({ name: v.name, key_b64: v.key_b64, plaintext_b64: v.plaintext_b64, serialized: await c.encryptWithKey(c.b64decode(v.key_b64), c.b64decode(v.plaintext_b64)) });
  }
  const rsa = [];
  const signatures = [];
  const fingerprints: Record<string, string> = {};
  for (const [name, k] of Object.entries(cryppo.rsa_keys as Json)) {
    const plaintext = c.randomBytes(32);
    rsa.push({ key: name, plaintext_b64: c.b64encode(plaintext), serialized: await c.encryptWithPublicKey(k.public_pem, plaintext) });
    const data = c.utf8(`https://example.test/shared_keys/x/claim_key--request-timestamp=2026-01-01T00:00:00.000Z`);
    signatures.push({ key: name, data_b64: c.b64encode(data), serialized: await c.sign(await c.importPrivateKey(k.private_pem), data) });
    fingerprints[name] = await c.fingerprint(k.public_pem);
  }
  const passphrase = { passphrase: "pässwörd 🔑", plaintext_b64: c.b64encode(c.utf8("from the page")) } as Json;
  passphrase.serialized = await c.encryptWithPassphrase(passphrase.passphrase, c.b64decode(passphrase.plaintext_b64));
  const generated = await c.generateKeypair(2048);
  const secretKey = c.generateSecretKey("webuser");
  const account = { username: "webuser", secret_key: secretKey, passphrase: "a web passphrase ünïcode" } as Json;
  const srpPassword = await c.deriveSrpPassword(account.passphrase, secretKey);
  const verifier = await c.createVerifier("webuser", srpPassword);
  account.salt = verifier.salt;
  account.verifier = verifier.verifier;
  account.wrapped_kek = await c.wrapKey(await c.derivePdk(account.passphrase, secretKey), kek);
  const client = new c.SrpClient("webuser", srpPassword);
  account.srp_a = client.publicAHex();
  const tokenText = c.randomBytes(16);
  return {
    kek_b64: c.b64encode(kek),
    aes,
    rsa,
    signatures,
    fingerprints,
    passphrase,
    account,
    text: { serialized: await c.encryptText(kek, "ünïcödé ✓ text"), plaintext: "ünïcödé ✓ text" },
    empty_text: await c.encryptText(kek, ""),
    generated: {
      public_pem: generated.publicPem,
      wrapped_private: await c.wrapPrivateKey(kek, generated.privatePem),
      fingerprint: await c.fingerprint(generated.publicPem),
      token_b64: c.b64encode(tokenText),
      token_encrypted: await c.encryptWithPublicKey(generated.publicPem, tokenText),
    },
  };
}

/** Python wrote these with strongroom.crypto (the direction Python → page): the page must open them. */
async function readFromPython(made: Json): Promise<string[]> {
  const failures: string[] = [];
  const kek = c.b64decode(made.kek_b64);
  const expect = (ok: boolean, what: string): void => {
    if (!ok) failures.push(what);
  };
  expect((await c.decryptText(kek, made.text)) === made.plaintext, "text");
  const pem = await c.unwrapPrivateKey(kek, made.wrapped_private);
  const key = await c.importPrivateKey(pem);
  expect(c.fromUtf8(await c.decryptWithPrivateKey(key, made.token_encrypted)) === made.token, "rsa token");
  expect((await c.fingerprint(made.public_pem)) === made.fingerprint, "fingerprint");
  expect(c.toHex(await c.unwrapKey(kek, made.wrapped_dek)) === c.toHex(c.b64decode(made.dek_b64)), "wrapped dek");
  expect(c.fromUtf8(await c.decryptWithPassphrase(made.passphrase, made.passphrase_serialized)) === made.plaintext, "passphrase");
  expect(c.fromUtf8(await c.verify(made.public_pem, made.signature)) === made.signed, "signature");
  return failures;
}

/** File attachments both ways: open what strongroom.crypto.files sealed (and refuse its tampered records and
 * blocks), then seal the same plaintext for Python to open. */
async function files(made: Json): Promise<Json> {
  const failures: string[] = [];
  const key = c.b64decode(made.key_b64);
  const blob = c.b64decode(made.blob_b64);
  const openAll = async (record: string, data: Uint8Array): Promise<Uint8Array> => {
    const opener = await c.FileOpener.create(key, c.artefactsFromJson(c.utf8(record)));
    const parts: Uint8Array[] = [];
    for (let i = 0; i < opener.artefacts.ivs.length; i++) {
      const [first, last] = opener.artefacts.ranges[i]!;
      parts.push(await opener.open(i, data.subarray(first, last + 1)));
    }
    return c.concat(...parts);
  };
  try {
    if (c.toHex(await openAll(made.record, blob)) !== c.toHex(c.b64decode(made.plaintext_b64))) failures.push("python file: wrong plaintext");
  } catch (e) {
    failures.push(`python file: ${(e as Error).name}`);
  }
  for (const [name, record, data] of made.refused as [string, string, string][]) {
    try {
      await openAll(record, data === null ? blob : c.b64decode(data));
      failures.push(`${name}: opened`);
    } catch (e) {
      if (!(e instanceof c.DecryptionError || e instanceof c.CryptoFormatError)) failures.push(`${name}: ${(e as Error).name}`);
    }
  }
  const plaintext = c.b64decode(made.plaintext_b64);
  const fileKey = c.generateFileKey();
  const sealer = new c.FileSealer(fileKey);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < plaintext.length; i += c.BLOCK_SIZE) parts.push(await sealer.seal(plaintext.subarray(i, i + c.BLOCK_SIZE)));
  const record = c.fromUtf8(c.artefactsToJson(await sealer.finish()));
  return { failures, key_b64: c.b64encode(fileKey), blob_b64: c.b64encode(c.concat(...parts)), record };
}

/** Export files both ways: read what strongroom.client._export_file wrote (and refuse its damaged copies with
 * the same reason), then write the same records for Python to read. */
async function exportFiles(made: Json): Promise<Json> {
  const failures: string[] = [];
  const expected = JSON.stringify(made.records);
  try {
    const records = await readExport(c.b64decode(made.file_b64), made.passphrase);
    if (JSON.stringify(records) !== expected) failures.push("python file: other records");
  } catch (e) {
    failures.push(`python file: ${(e as Error).message}`);
  }
  for (const [name, data, passphrase, reason] of made.refused as [string, string, string, string][]) {
    try {
      await readExport(c.b64decode(data), passphrase);
      failures.push(`${name}: read`);
    } catch (e) {
      if (!(e instanceof ExportError) || !e.message.includes(reason)) failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  const writer = await ExportWriter.create(made.passphrase, made.iterations);
  for (const record of made.records as Json[]) await writer.write(record);
  const file = new Uint8Array(await (await writer.close()).arrayBuffer());
  return { failures, file_b64: c.b64encode(file) };
}

(globalThis as unknown as Json).strongroomHarness = { read, write, readFromPython, files, exportFiles };
