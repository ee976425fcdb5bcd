// Thin promise wrappers around the reference libraries, shared by make-vectors.mjs and peer.mjs.
// Both libraries are CommonJS; createRequire loads exactly the pinned copies in ./node_modules.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
export const cryppo = require('@meeco/cryppo');
export const jsrp = require('jsrp');

// Meeco's SDK creates every jsrp client with `length: 2048` (jsrp's default would be 4096 bits, g = 5).
export const SRP_LENGTH = 2048;

export const b64 = (buf) => cryppo.encodeSafe64(cryppo.bytesToBinaryString(buf));
export const fromB64 = (text) => Buffer.from(cryppo.decodeSafe64(text), 'binary');
// node-forge (inside cryppo) works on "binary strings": one char per byte.
export const toBinaryString = (buf) => Buffer.from(buf).toString('binary');
export const fromBinaryString = (text) => Buffer.from(text, 'binary');

export async function encryptWithKey(keyBytes, plaintext, legacy = false) {
  const format = legacy ? 'legacy' : 'latest_version';
  const result = await cryppo.encryptWithKey(
    {
      key: cryppo.EncryptionKey.fromBytes(new Uint8Array(keyBytes)),
      data: new Uint8Array(plaintext),
      strategy: cryppo.CipherStrategy.AES_GCM,
    },
    format,
  );
  return result.serialized;
}

export async function decryptWithKey(keyBytes, serialized) {
  const out = await cryppo.decryptWithKey({
    serialized,
    key: cryppo.EncryptionKey.fromBytes(new Uint8Array(keyBytes)),
  });
  return out === null ? null : Buffer.from(out);
}

export async function encryptWithPublicKey(publicPem, plaintext, legacy = false) {
  const format = legacy ? 'legacy' : 'latest_version';
  const result = await cryppo.encryptWithPublicKey(
    { publicKeyPem: publicPem, data: toBinaryString(plaintext) },
    format,
  );
  return result.serialized;
}

export async function decryptWithPrivateKey(privatePem, serialized) {
  const out = await cryppo.decryptSerializedWithPrivateKey({ privateKeyPem: privatePem, serialized });
  return fromBinaryString(out);
}

export async function encryptWithPassphrase(passphrase, plaintext, legacy = false) {
  const result = await cryppo.encryptWithKeyDerivedFromString({
    passphrase,
    data: new Uint8Array(plaintext),
    strategy: cryppo.CipherStrategy.AES_GCM,
    serializationVersion: legacy ? 'legacy' : 'latest_version',
  });
  return {
    serialized: result.serialized,
    key: Buffer.from(result.key.bytes),
    salt: fromBinaryString(result.options.salt),
    iterations: result.options.iterations,
    length: result.options.length,
    hash: result.options.hash,
  };
}

export async function decryptWithPassphrase(passphrase, serialized) {
  const out = await cryppo.decryptWithKeyDerivedFromString({ serialized, passphrase });
  return out === null ? null : Buffer.from(out);
}

// PBKDF2 the way cryppo derives keys (Meeco's SDK uses it with iterationVariance 0 for the PDK and the
// SRP password): passphrase as UTF-8, salt as a binary string, HMAC-SHA256.
export async function deriveKey(passphrase, saltBytes, iterations, length) {
  const derived = await cryppo.generateDerivedKey({
    passphrase,
    useSalt: toBinaryString(saltBytes),
    minIterations: iterations,
    iterationVariance: 0,
    length,
  });
  if (derived.options.iterations !== iterations) throw new Error('cryppo changed the iteration count');
  return Buffer.from(derived.key.bytes);
}

export function sign(privatePem, data) {
  return cryppo.signWithPrivateKey(privatePem, new Uint8Array(data)).serialized;
}

export function verify(publicPem, serialized) {
  const signature = cryppo.loadRsaSignature(serialized);
  return { valid: cryppo.verifyWithPublicKey(publicPem, signature), data: Buffer.from(signature.data) };
}

// jsrp hashes `Buffer.from(password)`: a JS string becomes its UTF-8, a Buffer is taken as it is.
function srpPassword({ password, password_hex: passwordHex }) {
  if (passwordHex !== undefined) return Buffer.from(passwordHex, 'hex');
  if (typeof password !== 'string') throw new Error('password or password_hex required');
  return password;
}

export function srpClient({ username, a, ...rest }) {
  const client = new jsrp.client();
  const options = { username, password: srpPassword(rest), length: SRP_LENGTH };
  return new Promise((resolve) => {
    if (a !== undefined) client.debugInit({ ...options, a }, () => resolve(client));
    else client.init(options, () => resolve(client));
  });
}

export function srpServer({ verifier, salt, b }) {
  const server = new jsrp.server();
  const options = { verifier, salt, length: SRP_LENGTH };
  if (b !== undefined) options.b = b;
  return new Promise((resolve) => server.init(options, () => resolve(server)));
}

export async function srpCreateVerifier({ username, ...rest }) {
  const client = await srpClient({ username, ...rest });
  return new Promise((resolve, reject) =>
    client.createVerifier((err, result) => (err ? reject(err) : resolve(result))),
  );
}

export const randomHex = (n) => randomBytes(n).toString('hex');

// --------------------------------------------------------------------------- files (Meeco's block scheme)
// What @meeco/file-storage-common's AzureBlockUpload does per block, and what file-storage-node's
// largeFileDownloadNode does to read one back: cryppo's AES-GCM "using artefacts", the record as JSON.
export function fileEncrypt(keyBytes, data, blockSize) {
  const key = cryppo.EncryptionKey.fromBytes(new Uint8Array(keyBytes));
  const iv = [];
  const at = [];
  const range = [];
  const blocks = [];
  for (let n = 0, from = 0; from < data.length; n += 1, from += blockSize) {
    const to = Math.min(from + blockSize, data.length);
    const ivArtifact = cryppo.binaryStringToBytesBuffer(cryppo.generateRandomBytesString(12));
    const encrypted = cryppo.encryptWithKeyUsingArtefacts({
      key,
      data: new Uint8Array(data.subarray(from, to)),
      strategy: cryppo.CipherStrategy.AES_GCM,
      iv: cryppo.bytesBufferToBinaryString(ivArtifact),
    });
    iv[n] = ivArtifact;
    at[n] = encrypted.artifacts.at;
    range[n] = `bytes=${from}-${to - 1}`;
    blocks.push(fromBinaryString(encrypted.encrypted));
  }
  const record = { iv, ad: 'none', at, range, encryption_strategy: cryppo.CipherStrategy.AES_GCM, size: data.length };
  return { blob: Buffer.concat(blocks), record: JSON.stringify(record) };
}

export function fileDecrypt(keyBytes, blob, recordJson) {
  const record = JSON.parse(recordJson);
  const key = cryppo.EncryptionKey.fromBytes(new Uint8Array(keyBytes));
  const out = [];
  for (let i = 0; i < record.range.length; i += 1) {
    const [from, to] = record.range[i].slice('bytes='.length).split('-').map(Number);
    const plain = cryppo.decryptWithKeyUsingArtefacts(
      key,
      toBinaryString(blob.subarray(from, to + 1)),
      record.encryption_strategy,
      {
        iv: cryppo.bytesToBinaryString(new Uint8Array(record.iv[i].data)),
        ad: record.ad,
        at: cryppo.bytesToBinaryString(new Uint8Array(record.at[i].data)),
      },
    );
    out.push(Buffer.from(plain));
  }
  return Buffer.concat(out);
}
