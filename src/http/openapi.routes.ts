// GET /openapi.json: the document of the public API, no key needed (client generators fetch it unauthenticated).
// Built once per app; it names PUBLIC_URL as its server so a generated client knows where to call.
import { Router } from 'express';
import { OPENAPI_PATH, renderOpenApiDocument } from './openapi.js';

export function openApiRoutes(deps: { publicUrl?: string | undefined }): Router {
  const r = Router();
  let text: string | undefined;
  r.get(OPENAPI_PATH, (_req, res) => {
    text ??= renderOpenApiDocument({ serverUrl: deps.publicUrl });
    res.type('application/json').send(text);
  });
  return r;
}
