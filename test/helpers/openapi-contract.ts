// The contract check: a response the test suite received is compared with the OpenAPI document (docs/openapi.json
// is the same document, see test/unit/openapi.test.ts): its status must be documented for that route, its JSON body
// must match the documented schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it), and the documented headers
// must be there. Routes the document does not describe (admin pages, OAuth, webhooks) are not the public API and
// are left alone.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';

export interface RecordedResponse {
  method: string;
  /** Path and query as requested. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

type Doc = ReturnType<typeof buildOpenApiDocument>;
interface Operation {
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface HeaderSpec {
  required?: boolean;
  schema: Record<string, unknown>;
}

export interface ContractChecker {
  /** Problems with this response (empty when it matches, or when its route is not in the document). */
  check(r: RecordedResponse): string[];
  /** True when the document describes this method and path. */
  documents(method: string, url: string): boolean;
}

export function createContractChecker(doc: Doc = buildOpenApiDocument()): ContractChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const components = doc.components as { headers: Record<string, HeaderSpec> };
  const compiled = new Map<string, ValidateFunction>();
  // Each schema is compiled with the document's components beside it, so its #/components/... references resolve.
  const validator = (key: string, schema: Record<string, unknown>) => {
    let v = compiled.get(key);
    if (!v) {
      v = ajv.compile({ ...schema, components: doc.components });
      compiled.set(key, v);
    }
    return v;
  };
  const operation = (method: string, url: string) => paths[url.split('?')[0]!]?.[method.toLowerCase()];

  return {
    documents: (method, url) => operation(method, url) !== undefined,
    check(r) {
      const op = operation(r.method, r.url);
      if (!op) return [];
      const where = `${r.method} ${r.url} → ${r.status}`;
      const spec = op.responses[String(r.status)];
      if (!spec) return [`${where}: status not documented (documented: ${Object.keys(op.responses).join(', ')})`];
      const problems: string[] = [];
      for (const [name, h] of Object.entries(spec.headers ?? {})) {
        const header = '$ref' in (h as object) ? components.headers[String((h as { $ref: string }).$ref).split('/').pop()!]! : (h as HeaderSpec);
        const value = r.headers[name.toLowerCase()];
        if (value === undefined) {
          if (header.required) problems.push(`${where}: header ${name} missing`);
          continue;
        }
        const v = validator(`header:${name}`, header.schema);
        if (!v(String(value))) problems.push(`${where}: header ${name}=${String(value)} ${ajv.errorsText(v.errors)}`);
      }
      const media = spec.content?.['application/json'];
      if (media && r.method !== 'HEAD') {
        const type = String(r.headers['content-type'] ?? '');
        if (!type.startsWith('application/json')) problems.push(`${where}: content-type ${type}, documented application/json`);
        let body: unknown;
        try {
          body = JSON.parse(r.body);
        } catch {
          return [...problems, `${where}: body is not JSON: ${r.body.slice(0, 200)}`];
        }
        const v = validator(`${r.method} ${r.url.split('?')[0]} ${r.status}`, media.schema);
        if (!v(body)) problems.push(`${where}: body does not match the document: ${ajv.errorsText(v.errors)}; body ${r.body.slice(0, 300)}`);
      }
      return problems;
    },
  };
}
