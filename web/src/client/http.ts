// The one place that sends requests: JSON in and out, the session token, errors as typed exceptions.
// Nothing here logs a body: they carry wrapped keys, ciphertext and tokens.

export type Json = Record<string, unknown>;

/** An error answer: the service's stable code and message ({"errors": [{"error", "message"}]}). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly service: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The server could not be reached (stopped, network down). */
export class TransportError extends Error {
  constructor(readonly service: string) {
    super(`cannot reach the ${service}: the server is not answering`);
    this.name = "TransportError";
  }
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

export interface CallOptions {
  body?: unknown;
  params?: Record<string, string | number | boolean>;
  auth?: boolean;
  expectBody?: boolean;
}

export class ServiceApi {
  token: string | null = null;
  /** Called when an authenticated call answers 401: the session expired or was revoked. */
  onUnauthorized: (() => void) | null = null;

  constructor(
    readonly baseUrl: string,
    readonly service: string,
  ) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<Json> {
    const { body, params, auth = true, expectBody = true } = options;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (auth && this.token !== null) headers.Authorization = this.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let url = `${this.baseUrl}${path}`;
    if (params && Object.keys(params).length) {
      url += "?" + new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        redirect: "error",
      });
    } catch {
      throw new TransportError(this.service);
    }
    if (response.status >= 400) {
      const [code, message] = await errorItem(response);
      // A refused SRP proof (re-authentication with a wrong passphrase) is no ended session.
      if (response.status === 401 && auth && this.token !== null && code !== "login_failed") this.onUnauthorized?.();
      throw new ApiError(response.status, code, message, this.service);
    }
    if (!expectBody) return {};
    let data: unknown;
    try {
      data = await response.json();
    } catch {
      throw new ProtocolError(`${this.service} ${method} ${path}: the answer is not JSON`);
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new ProtocolError(`${this.service} ${method} ${path}: the answer is not a JSON object`);
    }
    return data as Json;
  }

  /** A raw GET (a blob), its body left to the caller to stream; errors as for `call`. */
  async getBytes(path: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/octet-stream" };
    if (this.token !== null) headers.Authorization = this.token;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method: "GET", headers, credentials: "omit", cache: "no-store", redirect: "error" });
    } catch {
      throw new TransportError(this.service);
    }
    if (response.status >= 400) {
      const [code, message] = await errorItem(response);
      if (response.status === 401 && this.token !== null) this.onUnauthorized?.();
      throw new ApiError(response.status, code, message, this.service);
    }
    return response;
  }

  /** A raw PUT of `body` (application/octet-stream). XMLHttpRequest, not fetch: only it reports upload
   * progress, and fetch cannot stream a request body over HTTP/1.1 anyway. */
  putBytes(path: string, body: Blob, onProgress?: (sent: number, total: number) => void): Promise<Json> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", `${this.baseUrl}${path}`);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      if (this.token !== null) xhr.setRequestHeader("Authorization", this.token);
      xhr.withCredentials = false;
      xhr.responseType = "text";
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, body.size);
      xhr.onerror = () => reject(new TransportError(this.service));
      xhr.onload = () => {
        if (xhr.status >= 400) {
          const [code, message] = errorPair(xhr.status, xhr.statusText, xhr.responseText);
          if (xhr.status === 401 && this.token !== null) this.onUnauthorized?.();
          reject(new ApiError(xhr.status, code, message, this.service));
          return;
        }
        try {
          const data: unknown = JSON.parse(xhr.responseText);
          if (typeof data === "object" && data !== null && !Array.isArray(data)) return resolve(data as Json);
        } catch {
          // below
        }
        reject(new ProtocolError(`${this.service} PUT ${path}: the answer is not a JSON object`));
      };
      xhr.send(body);
    });
  }
}

async function errorItem(response: Response): Promise<[string, string]> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // no body: the generic pair
  }
  return errorPair(response.status, response.statusText, text);
}

function errorPair(status: number, statusText: string, text: string): [string, string] {
  const fallback: [string, string] = [`http_${status}`, statusText || "request failed"];
  try {
    const body = JSON.parse(text) as { errors?: { error?: unknown; message?: unknown }[] };
    const first = body.errors?.[0];
    if (first && typeof first.error === "string") {
      return [first.error, typeof first.message === "string" && first.message ? first.message : first.error.replace(/_/g, " ")];
    }
  } catch {
    // not JSON: the generic pair
  }
  return fallback;
}

export function obj(data: Json, key: string, where: string): Json {
  const value = data[key];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError(`${where}: the answer has no ${key}`);
  }
  return value as Json;
}

export function list(data: Json, key: string): Json[] {
  const value = data[key];
  return Array.isArray(value) ? (value.filter((v) => typeof v === "object" && v !== null) as Json[]) : [];
}

export function str(data: Json, key: string): string | null {
  const value = data[key];
  return typeof value === "string" ? value : null;
}

export function need(data: Json, key: string, where: string): string {
  const value = str(data, key);
  if (value === null) throw new ProtocolError(`${where}: no ${key}`);
  return value;
}
