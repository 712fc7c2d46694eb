// The signed-in token (this tab's session storage) and calls to the REST API with it.

const TOKEN_KEY = 'selfheal.token';
const listeners = { unauthorized: () => {} };

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
  /** The token's claims (sub, role, exp), read without verifying: the API verifies every call. */
  claims() {
    try {
      const payload = this.token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
      return JSON.parse(atob(payload));
    } catch {
      return {};
    }
  },
  /** Operators and admins may approve heals; the API checks this again. */
  mayDecide() {
    return ['operator', 'admin'].includes(this.claims().role);
  },
  onUnauthorized(fn) {
    listeners.unauthorized = fn;
  },
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, { method = 'GET', body, token = session.token } = {}) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (response.status === 401 && token === session.token) listeners.unauthorized(data?.message ?? 'unauthorized');
  if (!response.ok) throw new ApiError(response.status, data?.message ?? `${response.status} ${response.statusText}`);
  return data;
}

/** Query string from an object, skipping undefined values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  return search.toString();
}
