// Writes the known-answer vectors the Python tests check against (tests/fixtures/interop/*.json).
// Every value below is produced by the reference libraries (@meeco/cryppo 2.0.2, jsrp 0.2.4); inputs
// (keys, plaintexts, passwords) are random or fixed. Run once and commit the output:
//   cd tools/interop && npm ci && node make-vectors.mjs
// Re-running produces new random vectors (all equally valid).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as L from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'tests', 'fixtures', 'interop');
const pkg = (name) => JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8'));

const utf8 = (text) => Buffer.from(text, 'utf8');
const hex = (buf) => Buffer.from(buf).toString('hex');
const check = (condition, message) => {
  if (!condition) throw new Error(`self-check failed: ${message}`);
};
const log = (message) => process.stderr.write(`${message}\n`);

const generator = {
  tool: 'tools/interop/make-vectors.mjs',
  '@meeco/cryppo': pkg('@meeco/cryppo').version,
  jsrp: pkg('jsrp').version,
  'node-forge': pkg('node-forge').version,
  bson: pkg('bson').version,
  node: process.version,
};
check(generator['@meeco/cryppo'] === '2.0.2' && generator.jsrp === '0.2.4', 'pinned versions installed');

// ---------------------------------------------------------------------------------------------- cryppo

async function aesVectors(plaintexts, legacy) {
  const out = [];
  for (const [name, plaintext] of plaintexts) {
    const key = randomBytes(32);
    const serialized = await L.encryptWithKey(key, plaintext, legacy);
    if (plaintext.length === 0) check(serialized === null, 'cryppo encrypts empty data to null');
    else check((await L.decryptWithKey(key, serialized)).equals(plaintext), `cryppo round trip ${name}`);
    out.push({ name, key_b64: L.b64(key), plaintext_b64: L.b64(plaintext), serialized });
  }
  return out;
}

async function main() {
  log('generating RSA key pairs with cryppo ');
  const rsaKeys = {};
  for (const bits of [4096, 2048]) {
    const pair = await L.cryppo.generateRSAKeyPair(bits);
    rsaKeys[`rsa${bits}`] = { bits, private_pem: pair.privateKey, public_pem: pair.publicKey };
  }

  const aesPlaintexts = [
    ['ascii', utf8('hello world')],
    ['unicode', utf8('Grüße — 世界 🔐\nzweite Zeile')],
    ['one_byte', Buffer.from([0xff])],
    ['one_block', randomBytes(16)],
    ['seventeen_bytes', randomBytes(17)],
    ['dek_32_bytes', randomBytes(32)],
    ['kib_random', randomBytes(1024)],
    ['private_key_pem', utf8(rsaKeys.rsa2048.private_pem)],
    ['empty', Buffer.alloc(0)],
  ];
  log('AES-256-GCM');
  const aes = await aesVectors(aesPlaintexts, false);
  const aesLegacy = await aesVectors(aesPlaintexts.slice(0, 4).concat([['kib_random', randomBytes(1024)]]), true);

  log('RSA-OAEP');
  const rsa = [];
  const rsaLegacy = [];
  for (const keyName of ['rsa4096', 'rsa2048']) {
    const { bits, public_pem: publicPem, private_pem: privatePem } = rsaKeys[keyName];
    const maxLength = bits / 8 - 42; // OAEP with SHA-1: k - 2·20 - 2
    const plaintexts = [
      ['share_dek_32_bytes', randomBytes(32)],
      ['token_text', utf8(`tok_${randomBytes(24).toString('hex')}`)],
      ['unicode', utf8('Grüße — 世界 🔐')],
      ['max_length', randomBytes(maxLength)],
    ];
    for (const [name, plaintext] of plaintexts) {
      const serialized = await L.encryptWithPublicKey(publicPem, plaintext);
      check((await L.decryptWithPrivateKey(privatePem, serialized)).equals(plaintext), `rsa ${name}`);
      rsa.push({ name: `${keyName}_${name}`, key: keyName, plaintext_b64: L.b64(plaintext), serialized });
    }
    const plaintext = randomBytes(32);
    const serialized = await L.encryptWithPublicKey(publicPem, plaintext, true);
    check((await L.decryptWithPrivateKey(privatePem, serialized)).equals(plaintext), 'rsa legacy');
    rsaLegacy.push({ name: `${keyName}_legacy`, key: keyName, plaintext_b64: L.b64(plaintext), serialized });
  }

  log('passphrase (Pbkdf2Hmac) encryption');
  const passphrase = [];
  const passphraseCases = [
    ['ascii', 'Password123!', utf8('My Secret Data')],
    ['unicode_passphrase', 'pässwörd 🔑 сложный', utf8('a key export')],
    ['binary_plaintext', 'correct horse battery staple', randomBytes(200)],
  ];
  for (const legacy of [false, true]) {
    for (const [name, pass, plaintext] of passphraseCases) {
      const r = await L.encryptWithPassphrase(pass, plaintext, legacy);
      check((await L.decryptWithPassphrase(pass, r.serialized)).equals(plaintext), `passphrase ${name}`);
      passphrase.push({
        name: legacy ? `${name}_legacy_yaml` : name,
        legacy_yaml: legacy,
        passphrase: pass,
        plaintext_b64: L.b64(plaintext),
        serialized: r.serialized,
        derived_key_b64: L.b64(r.key),
        salt_b64: L.b64(r.salt),
        iterations: r.iterations,
        length: r.length,
        hash: r.hash,
      });
    }
  }
  // The example in cryppo's README: legacy YAML artefacts whose derivation salt is a YAML string, not
  // !binary (as old Ruby cryppo wrote it). Kept as found; cryppo 2.0.2 itself decrypts it.
  const readme = {
    name: 'cryppo_readme_example',
    passphrase: 'Password123!',
    serialized:
      'Aes256Gcm.J9YhaGdIUBKa2dULbMU=.LS0tCml2OiAhYmluYXJ5IHwtCiAgd1JGK2QrRjYzRHJhbDRmdgphdDogIWJpbmFyeSB8LQogIGllS3JnK05iV0JVY2N3L3VVS2N6Rnc9PQphZDogbm9uZQo=.Pbkdf2Hmac.LS0tCml2OiAitIb79btSrS8k4KhbyfR_f79OkukiCmk6IDIxOTQ5Cmw6IDMyCmhhc2g6IFNIQTI1Ngo=',
  };
  const readmePlain = await L.decryptWithPassphrase(readme.passphrase, readme.serialized);
  readme.plaintext_b64 = L.b64(readmePlain);
  check(readmePlain.toString('utf8') === 'My Secret Data', 'README example decrypts');

  log('signatures');
  const signatures = [];
  for (const keyName of ['rsa4096', 'rsa2048']) {
    const { private_pem: privatePem, public_pem: publicPem } = rsaKeys[keyName];
    for (const [name, data] of [
      ['ascii', utf8('claim share 7c1e')],
      ['unicode', utf8('Grüße — 世界 🔐')],
      ['binary_64', randomBytes(64)],
      ['kib_random', randomBytes(1024)],
    ]) {
      const serialized = L.sign(privatePem, data);
      const result = L.verify(publicPem, serialized);
      check(result.valid && result.data.equals(data), `signature ${name}`);
      signatures.push({ name: `${keyName}_${name}`, key: keyName, data_b64: L.b64(data), serialized });
    }
  }

  log('PBKDF2 (cryppo key derivation)');
  const pbkdf2 = [];
  for (const [name, pass, salt, iterations, length] of [
    ['ascii_20_byte_salt', 'Password123!', randomBytes(20), 20000, 32],
    ['unicode_passphrase', 'pässwörd 🔑', randomBytes(20), 1000, 32],
    ['empty_passphrase', '', randomBytes(16), 1000, 32],
    ['ascii_salt_100k', 'correct horse battery staple', utf8('9xQeWvG816bUx9EPjHmaT23yvVM'), 100000, 32],
    ['length_16', 'short', randomBytes(8), 1, 16],
    ['length_64', 'long output', randomBytes(32), 2, 64],
  ]) {
    const key = await L.deriveKey(pass, salt, iterations, length);
    pbkdf2.push({
      name,
      passphrase: pass,
      salt_b64: L.b64(salt),
      iterations,
      length,
      key_b64: L.b64(key),
    });
  }

  const cryppoVectors = {
    about:
      'Known-answer vectors made by @meeco/cryppo (see generator). b64 = URL-safe base64 with padding. ' +
      'Empty plaintexts encrypt to null, as cryppo does. Written by make-vectors.mjs; do not edit by hand.',
    generator,
    rsa_keys: rsaKeys,
    aes,
    aes_legacy_yaml: aesLegacy,
    rsa,
    rsa_legacy_yaml: rsaLegacy,
    passphrase,
    passphrase_readme_example: readme,
    signatures,
    pbkdf2,
  };

  // -------------------------------------------------------------------------------------------- jsrp
  log('jsrp');
  const srp = await srpVectors();

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'cryppo-vectors.json'), `${JSON.stringify(cryppoVectors, null, 2)}\n`);
  writeFileSync(join(outDir, 'srp-vectors.json'), `${JSON.stringify({ generator, ...srp }, null, 2)}\n`);
  log(`wrote ${outDir}/cryppo-vectors.json and srp-vectors.json`);
}

// The password jsrp hashes is `Buffer.from(password)`: record those exact bytes.
const jsrpPasswordHex = (password) => hex(Buffer.from(password, 'utf8'));

async function transcript({ username, password, a, b, salt, verifier }) {
  const client = await L.srpClient({ username, password, a });
  const server = await L.srpServer({ verifier, salt, b });
  client.setSalt(salt);
  client.setServerPublicKey(server.getPublicKey());
  const M1 = client.getProof();
  server.setClientPublicKey(client.getPublicKey());
  check(server.checkClientProof(M1), 'jsrp server accepts jsrp client');
  const M2 = server.getProof();
  check(client.checkServerProof(M2), 'jsrp client accepts jsrp server');
  check(client.getSharedKey() === server.getSharedKey(), 'both sides agree on K');
  return {
    A: client.getPublicKey(),
    B: server.getPublicKey(),
    M1,
    M2,
    K: client.getSharedKey(),
    // jsrp internals, for diagnosing a mismatch only (jsrp exposes no getter for them).
    S: client.SBuf.toString('hex'),
  };
}

// Bitcoin-alphabet Base58, as Meeco's SDK encodes the secret key (base-x); only an input here.
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let n = BigInt(`0x${hex(bytes) || '0'}`);
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}

// Meeco's client: PBKDF2 via cryppo, then the raw derived bytes handed to jsrp as a JS "binary string"
// (one char per byte), which jsrp re-encodes as UTF-8.
async function meecoAccount(username, passphrase) {
  const secret = base58(randomBytes(32));
  const readable = secret.match(/.{1,6}/g).join('-');
  const secretKey = `1.${username}.${readable}`;
  const pdk = await L.deriveKey(passphrase, utf8(secret), 100000, 32);
  const srpRaw = await L.deriveKey(passphrase, utf8(secret.split('').reverse().join('')), 100000, 32);
  const srpPassword = L.toBinaryString(srpRaw);
  const { salt, verifier } = await L.srpCreateVerifier({ username, password: srpPassword });
  return {
    name: `meeco_account_${username}`,
    username,
    secret_key: secretKey,
    passphrase,
    pdk_b64: L.b64(pdk),
    srp_password_b64: L.b64(srpRaw),
    srp_password_jsrp_hex: jsrpPasswordHex(srpPassword),
    salt,
    verifier,
  };
}

async function srpVectors() {
  const group = new L.jsrp.client();
  await new Promise((resolve) => group.init({ username: 'x', password: 'x', length: L.SRP_LENGTH }, resolve));
  const params = group.srp.params;

  const users = [
    ['Q6r8k2LmZpd', 'correct horse battery staple'],
    ['ascii_user', 'p'],
    ['ünïcødé-user', 'pässwörd 🔑'],
    ['empty_password', ''],
    ['meeco_style', L.toBinaryString(randomBytes(32))],
  ];
  const verifiers = [];
  for (const [username, password] of users) {
    const { salt, verifier } = await L.srpCreateVerifier({ username, password });
    check(verifier.length === 512 && salt.length === 64, 'jsrp verifier 256 bytes, salt 32 bytes');
    verifiers.push({ name: username, username, password_hex: jsrpPasswordHex(password), salt, verifier });
  }

  const transcripts = [];
  for (const v of verifiers) {
    const password = Buffer.from(v.password_hex, 'hex').toString('utf8');
    const a = L.randomHex(32);
    const b = L.randomHex(32);
    const t = await transcript({ ...v, password, a, b });
    transcripts.push({ name: v.name, username: v.username, password_hex: v.password_hex, salt: v.salt, verifier: v.verifier, a, b, ...t });
  }

  // Padding edge cases: values whose big-endian form starts with a zero byte (about 1 in 172 each).
  const base = verifiers[0];
  const password = Buffer.from(base.password_hex, 'hex').toString('utf8');
  const search = async (name, predicate) => {
    for (let i = 0; i < 20000; i += 1) {
      const a = L.randomHex(32);
      const b = L.randomHex(32);
      const t = await transcript({ ...base, password, a, b });
      if (predicate(t, a, b)) {
        transcripts.push({ name, username: base.username, password_hex: base.password_hex, salt: base.salt, verifier: base.verifier, a, b, ...t });
        return;
      }
    }
    throw new Error(`no ${name} transcript found`);
  };
  await search('A_leading_zero_byte', (t) => t.A.startsWith('00'));
  await search('B_leading_zero_byte', (t) => t.B.startsWith('00'));
  await search('S_leading_zero_byte', (t) => t.S.startsWith('00'));
  // Small secret exponents (leading zero bytes in a and b): jsrp reads them as big-endian integers.
  {
    const a = `0000${L.randomHex(30)}`;
    const b = `000000${L.randomHex(29)}`;
    const t = await transcript({ ...base, password, a, b });
    transcripts.push({ name: 'short_a_b', username: base.username, password_hex: base.password_hex, salt: base.salt, verifier: base.verifier, a, b, ...t });
  }

  // A client with the wrong password: jsrp's server must reject its proof.
  const wrong = [];
  for (const v of verifiers.slice(0, 2)) {
    const wrongPassword = 'not the password';
    const a = L.randomHex(32);
    const b = L.randomHex(32);
    const client = await L.srpClient({ username: v.username, password: wrongPassword, a });
    const server = await L.srpServer({ verifier: v.verifier, salt: v.salt, b });
    client.setSalt(v.salt);
    client.setServerPublicKey(server.getPublicKey());
    const M1 = client.getProof();
    server.setClientPublicKey(client.getPublicKey());
    check(!server.checkClientProof(M1), 'jsrp rejects a wrong password');
    wrong.push({
      name: `${v.name}_wrong_password`,
      username: v.username,
      password_hex: v.password_hex,
      wrong_password_hex: jsrpPasswordHex(wrongPassword),
      salt: v.salt,
      verifier: v.verifier,
      a,
      b,
      A: client.getPublicKey(),
      B: server.getPublicKey(),
      M1,
    });
  }

  const accounts = [await meecoAccount('Q6r8k2LmZpd', 'correct horse battery staple'), await meecoAccount('zY3pQ9', 'pässwörd 🔑')];

  return {
    about:
      'Known-answer vectors made by jsrp with length 2048 (as Meeco\'s SDK calls it). All values are the ' +
      'hex strings jsrp reads and writes; password_hex is Buffer.from(password), the bytes jsrp hashes. ' +
      'S is jsrp-internal (diagnostics only). accounts: the Meeco chain passphrase + secret key -> PDK and ' +
      'SRP password (cryppo PBKDF2, 100000 iterations) -> jsrp verifier.',
    group: {
      length: params.length,
      hash: params.hash,
      N_hex: params.N.toString(16),
      g: Number.parseInt(params.g.toString(16), 16),
      k_hex: group.srp.k().toString(16).padStart(64, '0'),
    },
    verifiers,
    transcripts,
    wrong_password: wrong,
    accounts,
  };
}

await main();
