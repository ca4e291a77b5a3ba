// A JSON body reader for the enrichment route's hot path: UTF-8 bodies without a Content-Encoding (every API
// client we know of) are read and parsed here; anything else (gzip, UTF-16, ...) goes to express.json with the same
// limit. Errors carry body-parser's status and type, so the error middleware answers them the same way: 413
// `entity.too.large`, 400 `entity.parse.failed`, 400 `request.aborted`.
import express, { type RequestHandler } from 'express';

interface BodyError extends Error {
  status: number;
  type: string;
  expose: boolean;
}

function bodyError(status: number, type: string, message: string): BodyError {
  return Object.assign(new Error(message), { status, type, expose: true });
}

const UTF8_CHARSET = /;\s*charset\s*=\s*"?utf-?8"?\s*(;|$)/i;

export function jsonBody(limitBytes: number): RequestHandler {
  const fallback = express.json({ limit: limitBytes, type: () => true, strict: false });
  return (req, res, next) => {
    const encoding = req.headers['content-encoding'];
    const type = req.headers['content-type'];
    const charset = type?.includes('charset') === true;
    if ((encoding !== undefined && encoding.toLowerCase() !== 'identity') || (charset && !UTF8_CHARSET.test(type))) {
      fallback(req, res, next);
      return;
    }
    const declared = req.headers['content-length'];
    let size = 0;
    let tooLarge = declared !== undefined && Number(declared) > limitBytes;
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err?: BodyError) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onError);
      if (err) {
        next(err);
        return;
      }
      let text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) {
        req.body = {};
        next();
        return;
      }
      try {
        req.body = JSON.parse(text) as unknown;
      } catch (e) {
        next(bodyError(400, 'entity.parse.failed', e instanceof Error ? e.message : 'invalid JSON'));
        return;
      }
      next();
    };
    // An oversized body is read to its end and dropped (like body-parser), so the 413 reaches the client and the
    // keep-alive connection stays usable.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    };
    const onEnd = () => finish(tooLarge ? Object.assign(bodyError(413, 'entity.too.large', 'request entity too large'), { limit: limitBytes }) : undefined);
    const onAborted = () => finish(bodyError(400, 'request.aborted', 'request aborted'));
    const onError = (err: Error) => finish(bodyError(400, 'request.aborted', err.message));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onError);
  };
}
