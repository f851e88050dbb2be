import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { badUserInputResponse } from './errors.js';

type FetchAPI = { Response: typeof Response; Request: typeof Request };

/** Why a body was not read whole. */
type Unread = 'too-large' | 'aborted';

/** HTTP 413 with the API's error shape; the connection is closed rather than drained. */
function tooLarge(fetchAPI: FetchAPI, maxBytes: number): Response {
  return badUserInputResponse(fetchAPI, 413, `The request body is larger than ${maxBytes} bytes`, {
    connection: 'close',
  });
}

/** The chunks as one array (a fresh ArrayBuffer, as a fetch body wants). */
function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads a Node request body up to `maxBytes`; past that it stops reading (and keeps no more). */
function readNodeBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | Unread> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Uint8Array<ArrayBuffer> | Unread) => {
      req.off('data', onData).off('end', onEnd).off('error', onAborted).off('close', onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish('too-large');
      } else chunks.push(chunk);
    };
    const onEnd = () => finish(concat(chunks, size));
    const onAborted = () => finish('aborted');
    req.on('data', onData).once('end', onEnd).once('error', onAborted).once('close', onAborted);
  });
}

/** Reads a web body up to `maxBytes`; past that it cancels the stream. */
async function readWebBody(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | Unread> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return concat(chunks, size);
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return 'too-large';
      }
      chunks.push(value);
    }
  } catch {
    return 'aborted';
  }
}

/**
 * Refuses a request body over `maxBytes` with HTTP 413 (a GraphQL error, BAD_USER_INPUT):
 * at once when Content-Length says so, otherwise as soon as the streamed body passes the limit,
 * so an oversize body is never held whole.
 */
export function useBodySizeLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, serverContext, setRequest, endResponse, fetchAPI }) {
      if (!request.body || request.method === 'GET' || request.method === 'HEAD') return;
      const declared = request.headers.get('content-length');
      if (declared !== null && Number(declared) > maxBytes) return endResponse(tooLarge(fetchAPI, maxBytes));
      // An HTTP server never reads past a Content-Length: only a chunked body needs counting.
      if (declared !== null) return;
      const nodeRequest = (serverContext as { req?: IncomingMessage }).req;
      const read = nodeRequest?.on
        ? readNodeBody(nodeRequest, maxBytes)
        : readWebBody(request.body, maxBytes);
      return read.then((body) => {
        if (body === 'too-large') return endResponse(tooLarge(fetchAPI, maxBytes));
        if (body === 'aborted') return endResponse(new fetchAPI.Response(null, { status: 400 }));
        setRequest(
          new fetchAPI.Request(request.url, {
            method: request.method,
            headers: request.headers,
            body,
            signal: request.signal,
          }),
        );
      });
    },
  };
}
