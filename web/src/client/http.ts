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
      if (response.status === 401 && auth && this.token !== null) this.onUnauthorized?.();
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
}

async function errorItem(response: Response): Promise<[string, string]> {
  const fallback: [string, string] = [`http_${response.status}`, response.statusText || "request failed"];
  try {
    const body = (await response.json()) as { errors?: { error?: unknown; message?: unknown }[] };
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
