import { CliError } from './cli-error.js';
import { type HttpResponse, HttpTimeoutError, httpPost } from './http-post.js';
import { withoutUserInfo, withoutUserInfoText } from './url-user-info.js';

/** A query or mutation whose connection stays silent this long fails (UNREACHABLE). */
const REQUEST_IDLE_TIMEOUT_MS = 60_000;

interface GraphQLError {
  message: string;
  extensions?: { code?: string; issues?: Array<{ path?: string; message?: string }> };
}

interface GraphQLResult<T> {
  data?: T | null;
  errors?: GraphQLError[];
  extensions?: { warnings?: unknown };
}

/**
 * The gateway URL without a trailing `/` or `/graphql`, nor a user name and password (never sent:
 * the CLI authenticates with its token; never shown); an invalid URL is a CONFIG error that
 * quotes it without them.
 */
export function normalizeGatewayUrl(url: string): string {
  const shown = withoutUserInfoText(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('CONFIG', `invalid gateway URL "${shown}" (expected e.g. http://127.0.0.1:4000)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CliError('CONFIG', `invalid gateway URL "${shown}": use http:// or https://`);
  return withoutUserInfo(parsed)
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/graphql$/, '');
}

/** One line for a GraphQL error: its message and, for validation errors, every issue. */
function errorFromGraphQL(error: GraphQLError): CliError {
  const code = error.extensions?.code ?? 'ERROR';
  const issues = (error.extensions?.issues ?? [])
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : String(issue.message)))
    .join('; ');
  const message = issues ? `${error.message}: ${issues}` : error.message;
  return new CliError(code, message.replace(/\s*\n\s*/g, ' '));
}

/** A GraphQL client of the gateway: queries and mutations over POST, subscriptions over SSE. */
export class GatewayClient {
  readonly url: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    this.url = normalizeGatewayUrl(url);
  }

  private unreachable(): CliError {
    return new CliError('UNREACHABLE', `cannot reach the gateway at ${this.url}`);
  }

  private async post(
    body: string,
    accept: string,
    options: { signal?: AbortSignal; idleTimeoutMs?: number } = {},
  ): Promise<HttpResponse> {
    try {
      const headers = {
        'content-type': 'application/json',
        accept,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      };
      return await httpPost(`${this.url}/graphql`, headers, body, options);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof HttpTimeoutError)
        throw new CliError('UNREACHABLE', `the gateway at ${this.url} did not answer (${error.message})`);
      throw this.unreachable();
    }
  }

  private async resultOf<T>(response: HttpResponse): Promise<GraphQLResult<T>> {
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw this.unreachable();
    }
    try {
      return JSON.parse(text) as GraphQLResult<T>;
    } catch {
      throw new CliError(
        'BAD_RESPONSE',
        `the gateway at ${this.url} answered HTTP ${response.status} without a GraphQL result`,
      );
    }
  }

  /** Runs a query or mutation; any GraphQL error becomes a CliError with its code. */
  async request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return (await this.requestWithWarnings<T>(query, variables)).data;
  }

  /** `request`, with the answer's `extensions.warnings` (e.g. components referencing a deleted secret). */
  async requestWithWarnings<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data: T; warnings: string[] }> {
    const response = await this.post(
      JSON.stringify({ query, variables }),
      'application/graphql-response+json, application/json',
      { idleTimeoutMs: REQUEST_IDLE_TIMEOUT_MS },
    );
    const result = await this.resultOf<T>(response);
    if (result.errors?.length) throw errorFromGraphQL(result.errors[0]);
    if (!result.data)
      throw new CliError(
        'BAD_RESPONSE',
        `the gateway at ${this.url} answered HTTP ${response.status} without data`,
      );
    const warnings = result.extensions?.warnings;
    return { data: result.data, warnings: Array.isArray(warnings) ? warnings.map(String) : [] };
  }

  /**
   * Runs a subscription over SSE and yields each payload's data until the server completes
   * the stream or `signal` aborts it (then it ends quietly). `onOpen` runs once the gateway
   * has accepted the subscription. With `idleTimeoutMs`, a stream silent that long (the gateway
   * pings every 12 s) counts as lost (UNREACHABLE).
   */
  async *subscribe<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    options: { signal?: AbortSignal; onOpen?: () => void; idleTimeoutMs?: number } = {},
  ): AsyncGenerator<T> {
    const { signal, idleTimeoutMs } = options;
    let response: HttpResponse;
    try {
      response = await this.post(JSON.stringify({ query, variables }), 'text/event-stream', {
        signal,
        idleTimeoutMs,
      });
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    if (!response.contentType.includes('text/event-stream')) {
      const result = await this.resultOf<T>(response);
      if (result.errors?.length) throw errorFromGraphQL(result.errors[0]);
      throw new CliError('BAD_RESPONSE', `the gateway at ${this.url} did not open an event stream`);
    }
    options.onOpen?.();
    const decoder = new TextDecoder();
    let buffer = '';
    let event = '';
    let data: string[] = [];
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
          if (line === '') {
            const payload = data.join('\n');
            const name = event || 'message';
            event = '';
            data = [];
            if (name === 'complete') return;
            if (!payload || (name !== 'next' && name !== 'message')) continue;
            const result = JSON.parse(payload) as GraphQLResult<T>;
            if (result.errors?.length) throw errorFromGraphQL(result.errors[0]);
            if (result.data) yield result.data;
          } else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof CliError) throw error;
      throw new CliError('UNREACHABLE', `lost the connection to the gateway at ${this.url}`);
    }
    if (!signal?.aborted)
      throw new CliError('UNREACHABLE', `the gateway at ${this.url} closed the event stream`);
  }
}
